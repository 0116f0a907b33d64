// The dashboard refreshes itself: every few seconds (while the page is visible) it asks the
// JSON endpoint for the numbers and swaps in each chart and its table, drawn by the server.
(() => {
  const status = document.getElementById("dashboard-status");
  if (!status) return;
  const seconds = Number(status.dataset.seconds) || 30;
  // The page gives the messages in the reader's language; English if it does not.
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (all, name) => values[name] ?? all);
  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(status.dataset.url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      for (const chart of body.charts) {
        const section = document.querySelector(`[data-chart="${chart.key}"]`);
        if (!section) continue;
        // Keep each table open or closed as the reader left it.
        const open = section.querySelector("details")?.open;
        section.innerHTML = chart.html;
        const details = section.querySelector("details");
        if (details && open !== undefined) details.open = open;
      }
      status.textContent = status.dataset.msgRefreshed
        ? fill(status.dataset.msgRefreshed, { time: body.generated_local_time, seconds })
        : `Numbers as of ${body.generated_local_time}, refreshed every ${seconds} seconds.`;
    } catch {
      status.textContent =
        status.dataset.msgFailed || "The numbers could not be refreshed (offline?). Retrying.";
    }
  }
  setInterval(refresh, seconds * 1000);
})();

// The dashboard refreshes itself: every few seconds (while the page is visible) it asks the
// JSON endpoint for the numbers and swaps in each chart and its table, drawn by the server.
(() => {
  const status = document.getElementById("dashboard-status");
  if (!status) return;
  const seconds = Number(status.dataset.seconds) || 30;
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
      status.textContent = `Numbers as of ${body.generated_local_time}, refreshed every ${seconds} seconds.`;
    } catch {
      status.textContent = "The numbers could not be refreshed (offline?). Retrying.";
    }
  }
  setInterval(refresh, seconds * 1000);
})();

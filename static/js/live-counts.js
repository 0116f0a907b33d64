// Refreshes the check-in counts table every 10 seconds while the page is visible.
(() => {
  const section = document.getElementById("live-counts");
  if (!section) return;
  const status = document.getElementById("counts-status");
  // The page gives the messages in the reader's language; English if it does not.
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (all, name) => values[name] ?? all);
  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(section.dataset.stats, { credentials: "same-origin" });
      if (!response.ok) return;
      const body = await response.json();
      for (const row of body.checkpoints) {
        const line = section.querySelector(`tr[data-checkpoint="${row.checkpoint}"]`);
        if (!line) continue;
        line.querySelector('[data-field="checked_in"]').textContent = row.checked_in;
        line.querySelector('[data-field="refused"]').textContent = row.refused;
      }
      status.textContent = section.dataset.msgRefreshed
        ? fill(section.dataset.msgRefreshed, { time: body.generated_local_time })
        : `Counts as of ${body.generated_local_time}, refreshed every 10 seconds.`;
    } catch {
      status.textContent =
        section.dataset.msgFailed || "Counts could not be refreshed (offline?). Retrying.";
    }
  }
  setInterval(refresh, 10000);
})();

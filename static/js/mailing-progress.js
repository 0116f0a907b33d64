// A mailing's delivery progress, refreshed every 5 seconds until every message is sent or failed.
(() => {
  const section = document.getElementById("mailing-progress");
  if (!section) return;
  const bar = document.getElementById("mailing-bar");
  const status = document.getElementById("mailing-status");
  const timer = setInterval(async () => {
    try {
      const response = await fetch(section.dataset.url, { credentials: "same-origin" });
      if (!response.ok) return;
      const p = await response.json();
      bar.max = p.total;
      bar.value = p.sent;
      bar.textContent = `${p.sent} of ${p.total}`;
      status.textContent = `Sent ${p.sent} of ${p.total}; waiting ${p.waiting}; failed ${p.failed}.`;
      if (!p.waiting) clearInterval(timer);
    } catch {
      // Offline for a moment: try again at the next tick.
    }
  }, 5000);
})();

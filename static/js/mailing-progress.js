// A mailing's delivery progress, refreshed every 5 seconds until every message is sent or failed.
// The words come from the page (data-msg-*, in the reader's language), "{sent}"-style fields
// filled in here; English is the fallback.
(() => {
  const section = document.getElementById("mailing-progress");
  if (!section) return;
  const bar = document.getElementById("mailing-bar");
  const status = document.getElementById("mailing-status");
  const barMessage = section.dataset.msgBar || "{sent} of {total}";
  const statusMessage =
    section.dataset.msgStatus || "Sent {sent} of {total}; waiting {waiting}; failed {failed}.";
  const fill = (message, values) =>
    message.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  const timer = setInterval(async () => {
    try {
      const response = await fetch(section.dataset.url, { credentials: "same-origin" });
      if (!response.ok) return;
      const p = await response.json();
      bar.max = p.total;
      bar.value = p.sent;
      bar.textContent = fill(barMessage, p);
      status.textContent = fill(statusMessage, p);
      if (!p.waiting) clearInterval(timer);
    } catch {
      // Offline for a moment: try again at the next tick.
    }
  }, 5000);
})();

// The agenda on small screens, and the browser's own time zone; the page works without it.
// Loaded right after the filters (not deferred) so they fold before the page is first drawn.
(() => {
  const fold = document.querySelector("details.filters-fold");
  if (fold && !fold.hasAttribute("data-keep-open") && window.matchMedia("(max-width: 40rem)").matches) {
    fold.open = false;
  }
  const select = document.querySelector("form[data-browser-zone] select[name='tz']");
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    zone = "";
  }
  if (!select || !zone) return;
  // The page gives the messages in its language (data-msg-*); English is the fallback.
  if (zone === select.dataset.eventZone) {
    select.options[0].textContent =
      select.dataset.msgEventZoneBrowser || `${select.options[0].textContent} (also your browser's)`;
    return;
  }
  const existing = Array.from(select.options).find((option) => option.value === zone);
  const option = existing || new Option(zone, zone);
  option.textContent = (select.dataset.msgBrowserZone || "Your browser's zone ({zone})").replace(
    "{zone}",
    zone,
  );
  if (!existing) select.insertBefore(option, select.options[1] || null);
})();

"""The browser the journeys share runs no page of its own besides theirs."""

from __future__ import annotations


def test_tabs_carry_no_hidden_browser_ui_pages(browser):
    """Chromium 149+ builds two WebUI pages per tab (the omnibox's popups) unless told not to:
    work in the one renderer for every page a journey opens, and targets Playwright attaches to."""
    context = browser.new_context()
    try:
        context.new_page().goto("data:text/html,<p>tab</p>")
        targets = browser.new_browser_cdp_session().send("Target.getTargets")["targetInfos"]
    finally:
        context.close()
    assert [t["url"] for t in targets if t["type"] == "browser_ui"] == []
    assert any(t["type"] == "page" for t in targets)

"""Journey 4: an anonymous visitor clicks everywhere they can, and never meets a hidden session:
not in a page, a link, a search result, a download or a calendar feed."""

from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

from playwright.sync_api import expect

from tests.e2e.a11y import assert_accessible
from tests.e2e.driver import login_request
from tests.e2e.seed import DOOR, PASSWORD

MAX_PAGES = 400
# Addresses a visitor cannot follow by clicking (POST forms) or that only log in or out.
SKIP = re.compile(r"^/(static/|account/(logout|verify|reset/))")
HREF = re.compile(r'href="([^"]*)"')
LINKS = """
() => [...document.querySelectorAll('a[href]')].map((a) => a.href)
  .concat([...document.querySelectorAll('form[method="get" i], form:not([method])')]
    .map((f) => f.action))
"""


def _shape(address: str) -> str:
    """Pages of one kind (every session page, every speaker, every agenda day) share a shape."""
    parts = urlsplit(address)
    view = "list" if "view=list" in parts.query else ""
    return re.sub(r"/\d+(?=/|$|\.)", "/N", parts.path) + view


def test_anonymous_visitor_never_meets_a_hidden_session(new_context, site, screenshot):
    hidden_titles = site.seeded.hidden_titles
    hidden_paths = [url.rstrip("/") for url in site.seeded.hidden_urls]
    assert hidden_titles and hidden_paths
    context = new_context()
    page = context.new_page()
    origin = site.url
    queue = deque(["/"])
    seen: set[str] = {"/"}
    rendered: set[str] = set()
    pages = downloads = 0

    def leaks(text: str) -> list[str]:
        found = [t for t in hidden_titles if t.lower() in text.lower()]
        found += [p for p in hidden_paths if re.search(re.escape(p) + r"(/|\b)", text)]
        return found

    while queue:
        path = queue.popleft()
        assert pages + downloads < MAX_PAGES, "the crawl did not end; is a link generating links?"
        response = page.request.get(path)
        assert response.ok, f"{path}: HTTP {response.status} (a broken link)"
        kind = response.headers.get("content-type", "")
        if "text/html" not in kind:
            downloads += 1
            assert not leaks(response.text()), f"{path} ({kind}) names a hidden session"
            continue
        body = response.text()
        shape = _shape(path)
        if shape in rendered:
            # Another page of a kind already rendered and checked: its markup is enough.
            assert not leaks(html.unescape(body)), f"{path} names a hidden session"
            links = [urljoin(origin + path, html.unescape(h)) for h in HREF.findall(body)]
        else:
            rendered.add(shape)
            assert page.goto(path).ok
            links = page.evaluate(LINKS)
            assert not leaks(page.locator("body").inner_text()), f"{path} shows a hidden session"
            assert not leaks(page.content()), f"{path} holds a hidden session in its markup"
            assert_accessible(page, f"{path} (anonymous)")
        pages += 1
        assert not leaks(" ".join(links)), f"{path} links to a hidden session"
        for link in links:
            link = urldefrag(link).url
            if not link.startswith(origin):
                continue
            target = link.removeprefix(origin) or "/"
            if target not in seen and not SKIP.match(urlsplit(target).path):
                seen.add(target)
                queue.append(target)

    assert pages > 40 and downloads >= 5, (pages, downloads)
    # The check can fail: staff, who may see the hidden session, are shown it.
    staff = login_request(new_context(), DOOR, PASSWORD)
    assert leaks(staff.get("/events/flagship-2027/agenda.json").text())
    assert any("/agenda/?" in s and "view=list" in s for s in seen)

    # Searching the agenda for it finds nothing, as the visitor types it.
    page.goto("/events/flagship-2027/agenda/?view=list")
    page.get_by_label("Search").fill("coordination")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".agenda-count")).to_have_text("0 sessions match the filters.")
    # Its address answers exactly like a session that does not exist.
    hidden = page.goto(site.seeded.hidden_urls[0])
    hidden_body = page.locator("main").inner_text()
    missing = page.goto("/events/flagship-2027/sessions/999999/")
    assert hidden.status == missing.status == 404
    assert hidden_body == page.locator("main").inner_text()
    screenshot(page, "hidden-session-answers-404")

"""The in-process caches stay within their bounds and forget old agenda versions."""

from __future__ import annotations

from conference.agenda.pagecache import _cache as page_cache
from conference.events.services import bump_agenda_version
from conference.extensions import db
from conference.feeds.services import feed_cache
from conference.outputcache import FeedCache, FragmentCache
from tests.factories import make_event, make_session


def _body(size: int, fill: str = "x") -> bytes:
    return (fill * size).encode()


def test_entries_bound_drops_the_least_recently_used():
    cache = FeedCache(max_entries=3, max_bytes=10_000)
    for key in "abc":
        cache.get_or_build(key, lambda: _body(10))
    cache.get_or_build("a", lambda: _body(10))  # a is used again: b is now the oldest
    cache.get_or_build("d", lambda: _body(10))

    assert len(cache) == 3 and cache.total_bytes == 30
    assert cache.builds == 4
    cache.get_or_build("b", lambda: _body(10))
    assert cache.builds == 5, "b should have been evicted"


def test_bytes_bound_holds_and_an_oversized_answer_is_not_kept():
    cache = FeedCache(max_entries=1000, max_bytes=1000)
    for number in range(50):
        cache.get_or_build(number, lambda: _body(300))
        assert cache.total_bytes <= 1000

    assert len(cache) == 3
    huge = cache.get_or_build("huge", lambda: _body(5000))
    assert huge == _body(5000) and len(cache) == 3 and cache.total_bytes == 900


def test_a_newer_agenda_version_drops_the_older_ones_of_that_event_only():
    cache = FeedCache(max_entries=100, max_bytes=100_000)
    for page in ("grid", "list", "json"):
        cache.get_or_build(("page", 1, 1, page), lambda: _body(100), family=1, version=1)
    cache.get_or_build(("page", 2, 7, "grid"), lambda: _body(100), family=2, version=7)

    cache.get_or_build(("page", 1, 2, "grid"), lambda: _body(100), family=1, version=2)

    assert len(cache) == 2 and cache.total_bytes == 200
    # A slow request that built version 1 after the change: served, not kept.
    late = cache.get_or_build(("page", 1, 1, "list"), lambda: _body(7), family=1, version=1)
    assert late == _body(7) and len(cache) == 2


def test_fragment_cache_is_bounded_by_bytes():
    fragments = FragmentCache(max_entries=1000, max_bytes=2000)
    for number in range(100):
        fragments[number] = _body(150)

    assert fragments.total_bytes <= 2000 and len(fragments) == 13
    assert fragments.get(99) == _body(150) and fragments.get(0) is None


def test_agenda_changes_leave_only_the_newest_version_of_the_pages_and_feed(app, client):
    event = make_event("bounded")
    make_session(event, title="A talk")
    db.session.commit()
    page_cache().clear()
    feed_cache().clear()
    urls = ("/events/bounded/agenda/?view=list", "/events/bounded/calendar.ics")

    sizes = []
    for _ in range(6):
        for url in urls:
            assert client.get(url).status_code == 200
        sizes.append((len(page_cache()), len(feed_cache())))
        bump_agenda_version(event)
        db.session.commit()

    # Every change made one new page and one new feed; the old versions were dropped.
    assert sizes == [(1, 1)] * 6
    assert page_cache().builds >= 6


def test_page_cache_respects_the_byte_setting(app_factory):
    app = app_factory(PAGE_CACHE_MAX_BYTES=20_000)
    with app.app_context():
        event = make_event("bytes")
        for number in range(5):
            make_session(event, title=f"Talk {number}")
        db.session.commit()
        client = app.test_client()
        for number in range(40):  # distinct query strings: distinct cache entries
            assert client.get(f"/events/bytes/agenda/?view=list&n={number}").status_code == 200
            assert page_cache().total_bytes <= 20_000
        assert 0 < len(page_cache()) < 40
        db.session.remove()

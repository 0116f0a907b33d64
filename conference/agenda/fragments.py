"""Rendered pieces of the agenda page, memoised by everything they show (issue 22).

After an agenda change every cached page of the event is rebuilt, and at the flagship's size
most of that build is rendering the same 5,000 session summaries again. A piece is keyed on
the session exactly as the audience sees it (``visibility.session_content``: a closed block's
key holds only its time, room and status), the page's language and display zone, the event's
address and zone, and which piece it is: so what one viewer's key can bring back is
only what was rendered from that very content, and a changed session, room, track, speaker or
translation asks for a new key. The seat marker of a piece is a placeholder filled per
request (``agenda.views``), never a viewer's state.

The cache is bounded (entries and bytes) and per worker process, like the page cache.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from markupsafe import Markup

from conference.agenda.visibility import VisibleSession, session_content
from conference.localtime import current_language
from conference.outputcache import FragmentCache
from conference.timezones import DisplayZone

CACHE_NAME = "agenda_fragments"


def fragment_cache() -> FragmentCache:
    cache = current_app.extensions.get(CACHE_NAME)
    if cache is None:
        config = current_app.config
        cache = current_app.extensions.setdefault(
            CACHE_NAME,
            FragmentCache(
                max_entries=config["AGENDA_FRAGMENTS_MAX_ENTRIES"],
                max_bytes=config["AGENDA_FRAGMENTS_MAX_BYTES"],
            ),
        )
    return cache


def session_fragment(
    piece: str,
    item: VisibleSession,
    event_slug: str,
    event_zone: str,
    zone: DisplayZone,
    *,
    caller: Callable[[], str],
) -> Markup:
    """``{% call session_fragment("summary", item, event.slug, event.timezone, zone) %}``.

    The block between ``call`` and ``endcall`` is rendered once per key: ``piece`` names the
    block, so two blocks of the same session never share a key."""
    key = (
        piece,
        session_content(item),
        current_language(),
        zone.name,
        event_slug,
        event_zone,
    )
    cache = fragment_cache()
    try:
        return cache[key]
    except KeyError:
        pass
    rendered = caller()  # Markup: the block was autoescaped as it rendered
    cache[key] = rendered
    return rendered

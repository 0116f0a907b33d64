"""Public agenda pages served from memory for anonymous visitors.

An anonymous visitor's agenda page, JSON or XML depends only on the agenda
(which bumps ``Event.agenda_version`` on every change) and the query string;
keyed on both, a cached copy is never stale. The time zone the visitor chose to
see times in (kept in their session) is part of the key too, and so is the language the page
is written in (``i18n.select_language``: the fixed texts and the organisers' translations of
titles and abstracts), so a page rendered in French is never served to an English viewer; the
JSON export carries every translation whatever the viewer's language, so it is one entry. Logged-in viewers,
requests with pending flash messages and anything but GET/HEAD are rendered as usual.

What differs from one visitor to the next (seats left, their own bookings) is never
in a cached page: pages leave a marker where it goes and the view fills it in per
request (``agenda.views``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Response, make_response, request, session
from flask_login import current_user

from conference.agenda.translated import current_language
from conference.events.services import get_event
from conference.i18n import use_event_language
from conference.outputcache import FeedCache, app_cache
from conference.timezones import SESSION_KEY as DISPLAY_TZ

# Outputs whose bytes are the same in every language (they carry all translations).
LANGUAGE_FREE = frozenset({"agenda.agenda_json"})


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]


def _cache() -> FeedCache:
    return app_cache("public_page_cache", "PAGE_CACHE")


def cached_for_anonymous(view: Callable) -> Callable:
    """Serve ``view``'s anonymous answer from memory until the agenda changes."""

    @wraps(view)
    def wrapper(slug: str, **kwargs):
        if (
            request.method not in {"GET", "HEAD"}
            or current_user.is_authenticated
            or session.get("_flashes")
        ):
            return view(slug, **kwargs)
        event = get_event(slug)
        if event is None or not event.is_published:
            return view(slug, **kwargs)
        # The language is part of the key: settle it as the view will (the event's own default
        # for a visitor without a preference) before the key is made.
        use_event_language(event)
        # is_past: a finished edition's pages say so from the day after it ends.
        key = (
            request.endpoint,
            event.id,
            event.agenda_version,
            event.is_past,
            request.query_string,
            session.get(DISPLAY_TZ),
            None if request.endpoint in LANGUAGE_FREE else current_language(),
        )
        rendered: dict = {}

        def build() -> CachedPage:
            response = make_response(view(slug, **kwargs))
            rendered["response"] = response
            if response.status_code != 200 or response.headers.get("Set-Cookie"):
                raise _NotCacheable
            headers = tuple(
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in {"content-length", "date"}
            )
            return CachedPage(response.get_data(), response.status_code, headers)

        try:
            page = _cache().get_or_build(key, build, family=event.id, version=event.agenda_version)
        except _NotCacheable:
            return rendered["response"]
        if "response" in rendered:
            return rendered["response"]
        cached = Response(page.body, status=page.status, headers=list(page.headers))
        return cached.make_conditional(request)

    return wrapper


class _NotCacheable(Exception):
    pass

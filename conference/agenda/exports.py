"""The agenda exports as one viewer may see them, with absolute links (pages, CLI, benchmarks)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from conference.agenda.frab import frab_schedule
from conference.agenda.json_export import agenda_document
from conference.agenda.queries import AgendaView, load_agenda
from conference.events.models import Event
from conference.i18n import supported
from conference.urls import external_url


def _session_url(event: Event):
    return lambda session_id: external_url(
        "agenda.session_detail", slug=event.slug, session_id=session_id
    )


def agenda_json_of(view: AgendaView) -> dict[str, Any]:
    """``view`` as a JSON-ready document (docs/agenda-json.md)."""
    event = view.event
    return agenda_document(
        view,
        event_url=external_url("events.event_detail", slug=event.slug),
        session_url=_session_url(event),
        speaker_url=lambda speaker_id: external_url(
            "agenda.speaker_detail", slug=event.slug, speaker_id=speaker_id
        ),
    )


def feed_language() -> str | None:
    """The ``?lang=`` a feed (frab XML) was asked in, if we serve it; else None (the event's
    default language, docs/feeds-language.md). The page cache keys on the query string."""
    if not has_request_context():
        return None
    return supported(request.args.get("lang"))


def frab_xml_of(view: AgendaView, language: str | None = None) -> bytes:
    """``view`` as frab schedule XML, in ``language`` (else ``?lang=``, else the event's)."""
    return frab_schedule(
        view,
        base_url=external_url("events.event_detail", slug=view.event.slug),
        session_url=_session_url(view.event),
        language=language or feed_language(),
    )


def export_agenda_json(event: Event, viewer: Any, *, everything: bool = False) -> dict[str, Any]:
    """The agenda ``viewer`` may see as a JSON-ready document (docs/agenda-json.md)."""
    return agenda_json_of(load_agenda(event, viewer, everything=everything))


def export_frab_xml(
    event: Event, viewer: Any, *, everything: bool = False, language: str | None = None
) -> bytes:
    """The agenda ``viewer`` may see as frab schedule XML."""
    return frab_xml_of(load_agenda(event, viewer, everything=everything), language)

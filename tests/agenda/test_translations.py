"""Event and session texts in French and German (issue 20): every output gives the viewer's
(or the feed's) language, falls back to the original, never mixes languages in a cache, and a
restricted session's translations are exactly as hidden as its title and abstract."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from conference.agenda.models import AgendaSession
from conference.agenda.pagecache import _cache
from conference.agenda.translated import field_in, session_field
from conference.events.models import Event
from conference.events.services import bump_agenda_version
from conference.extensions import db
from conference.workload.importer import import_event, validate_document
from tests.agenda.pdftext import pdf_text
from tests.factories import make_event, make_session, make_staff
from tests.workload import build_workload

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}
DE = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture
def world(app):
    event = make_event("multi", title="Research security days", description="About research.")
    event.translations = {
        "fr": {"title": "Journées de la sécurité de la recherche", "description": "À propos."},
        "de": {"title": "Tage der Forschungssicherheit"},
    }
    public = make_session(event, title="Opening plenary", abstract="Welcome words.")
    public.translations = {"fr": {"title": "Séance d'ouverture", "abstract": "Mots d'accueil."}}
    listed = make_session(
        event,
        title="Expert exchange",
        abstract="Secret abstract",
        restricted_to=["member_state_expert"],
        visibility="listed",
    )
    listed.translations = {"fr": {"title": "Échange secret", "abstract": "Résumé secret"}}
    hidden = make_session(
        event,
        title="Vault meeting",
        restricted_to=["member_state_expert"],
        visibility="hidden",
    )
    hidden.translations = {"de": {"title": "Tresorsitzung"}}
    bump_agenda_version(event)
    db.session.commit()
    return event, public, listed, hidden


def _get(app, url, environ=None) -> str:
    client = app.test_client(use_cookies=False)
    return client.get(url, environ_base=environ or {}).get_data(as_text=True)


def test_field_falls_back_to_the_original(world):
    event, public, listed, _ = world
    assert field_in(event, "title", "fr") == "Journées de la sécurité de la recherche"
    assert field_in(event, "description", "de") == "About research."  # no German description
    assert field_in(event, "title", "en") == "Research security days"
    assert session_field(public, "abstract", "de") == "Welcome words."
    blank = type("Row", (), {"title": "Original", "translations": {"fr": {"title": "  "}}})()
    assert field_in(blank, "title", "fr") == "Original"


def test_session_page_in_the_viewers_language_with_fallback(app, world):
    event, public, _, _ = world
    url = f"/events/multi/sessions/{public.id}/"
    french = _get(app, url, FR)
    assert "Séance d&#39;ouverture" in french and "Mots d&#39;accueil." in french
    assert "Journées de la sécurité de la recherche" in french
    german = _get(app, url, DE)
    assert "Opening plenary" in german and "Welcome words." in german
    assert "Tage der Forschungssicherheit" in german
    english = _get(app, url)
    assert "Opening plenary" in english and "Séance" not in english


def test_agenda_event_page_and_home_card_are_translated(app, world):
    french_agenda = _get(app, "/events/multi/agenda/?view=list", FR)
    assert "Séance d&#39;ouverture" in french_agenda
    assert "Journées de la sécurité de la recherche" in _get(app, "/events/multi/", FR)
    assert "À propos." in _get(app, "/events/multi/", FR)
    assert "Tage der Forschungssicherheit" in _get(app, "/", DE)
    assert "Research security days" in _get(app, "/")


def test_restricted_translations_never_reach_outsiders(app, world):
    for environ in (None, FR, DE):
        for url in (
            "/events/multi/agenda/?view=list",
            "/events/multi/agenda.json",
            "/events/multi/calendar.ics?lang=fr",
            "/events/multi/calendar.ics?lang=de",
            "/events/multi/schedule.xml?lang=fr",
        ):
            body = _get(app, url, environ)
            for secret in ("Échange secret", "Résumé secret", "Tresorsitzung", "Secret abstract"):
                assert secret not in body, (url, environ, secret)


def test_staff_see_restricted_translations(app, world, login):
    event, _, listed, _ = world
    organiser = login(make_staff(event, "organiser"))
    document = organiser.get("/events/multi/agenda.json").get_json()
    by_title = {s["title"]: s for s in document["sessions"]}
    assert by_title["Expert exchange"]["translations"]["fr"]["title"] == "Échange secret"
    assert by_title["Vault meeting"]["translations"] == {"de": {"title": "Tresorsitzung"}}


def test_page_cache_keeps_one_copy_per_language(app, world):
    cache = _cache()
    builds = cache.builds
    french = _get(app, "/events/multi/agenda/?view=list", FR)
    english = _get(app, "/events/multi/agenda/?view=list")
    assert "Séance d&#39;ouverture" in french
    assert "Séance" not in english and "Opening plenary" in english
    assert cache.builds == builds + 2
    assert _get(app, "/events/multi/agenda/?view=list", FR) == french
    assert _get(app, "/events/multi/agenda/?view=list") == english
    assert cache.builds == builds + 2
    # The JSON export carries every translation whatever the language: one copy.
    assert _get(app, "/events/multi/agenda.json", FR) == _get(app, "/events/multi/agenda.json")
    assert cache.builds == builds + 3


def test_calendar_feed_language_is_in_its_address(app, world):
    default = _get(app, "/events/multi/calendar.ics").replace("\r\n ", "")
    french = _get(app, "/events/multi/calendar.ics?lang=fr").replace("\r\n ", "")
    ignored = _get(app, "/events/multi/calendar.ics?lang=xx").replace("\r\n ", "")
    assert "SUMMARY:Opening plenary" in default
    assert "SUMMARY:Séance d'ouverture" in french and "Mots d'accueil." in french
    assert "X-WR-CALNAME:Journées de la sécurité de la recherche" in french
    assert ignored == default
    # A browser's language does not choose a feed's (calendar apps poll without one).
    assert _get(app, "/events/multi/calendar.ics", FR).replace("\r\n ", "") == default


def test_calendar_feed_defaults_to_the_events_language(app, world):
    event, _, _, _ = world
    event.default_language = "fr"
    bump_agenda_version(event)
    db.session.commit()
    feed = _get(app, "/events/multi/calendar.ics").replace("\r\n ", "")
    assert "SUMMARY:Séance d'ouverture" in feed
    assert "SUMMARY:Opening plenary" in _get(app, "/events/multi/calendar.ics?lang=en")


def test_frab_xml_language_and_texts(app, world):
    default = _get(app, "/events/multi/schedule.xml")
    french = _get(app, "/events/multi/schedule.xml?lang=fr")
    assert "<title>Opening plenary</title>" in default and "<language>en</language>" in default
    assert "<title>Séance d'ouverture</title>" in french
    assert "<language>fr</language>" in french
    assert "<title>Journées de la sécurité de la recherche</title>" in french


def test_pdf_programme_in_the_viewers_language(app, world):
    client = app.test_client(use_cookies=False)
    french = pdf_text(client.get("/events/multi/agenda.pdf", environ_base=FR).get_data())
    english = pdf_text(client.get("/events/multi/agenda.pdf").get_data())
    assert "Séance d'ouverture" in french and "Opening plenary" not in french
    assert "Opening plenary" in english and "Séance" not in english
    assert "Échange secret" not in french


def test_import_accepts_translations_and_export_round_trips(app):
    document = copy.deepcopy(build_workload(sessions=4, attendees=0, rooms=1))
    document["event"]["slug"] = "round-trip"
    document["event"]["translations"] = {"fr": {"title": "Aller-retour"}}
    first = document["sessions"][0]
    first["translations"] = {"de": {"title": "Hin und zurück", "abstract": "Zusammenfassung"}}
    assert validate_document(document) == []
    import_event(document)
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.slug == "round-trip"))
    organiser = make_staff(event, "organiser")
    from conference.agenda.exports import export_agenda_json

    exported = export_agenda_json(event, organiser)
    assert exported["event"]["translations"] == {"fr": {"title": "Aller-retour"}}
    again = copy.deepcopy(exported)
    again["event"]["slug"] = "round-trip-2"
    assert validate_document(again) == []
    import_event(again)
    db.session.commit()
    copy_event = db.session.scalar(select(Event).where(Event.slug == "round-trip-2"))
    assert copy_event.translations == {"fr": {"title": "Aller-retour"}}
    session = db.session.scalar(
        select(AgendaSession).where(
            AgendaSession.event_id == copy_event.id, AgendaSession.external_id == first["id"]
        )
    )
    assert session.translations == {
        "de": {"title": "Hin und zurück", "abstract": "Zusammenfassung"}
    }
    reexported = export_agenda_json(copy_event, make_staff(copy_event, "organiser"))
    assert [s.get("translations") for s in reexported["sessions"]] == [
        s.get("translations") for s in exported["sessions"]
    ]


def test_import_refuses_unknown_languages_and_fields(app):
    document = copy.deepcopy(build_workload(sessions=1, attendees=0, rooms=1))
    document["sessions"][0]["translations"] = {"it": {"title": "Sessione"}}
    assert validate_document(document)
    document["sessions"][0]["translations"] = {"fr": {"description": "pas un champ de séance"}}
    assert validate_document(document)


def test_session_form_saves_and_shows_translations(app, world, login):
    event, public, _, _ = world
    client = login(make_staff(event, "organiser"))
    url = f"/events/multi/manage/agenda/sessions/{public.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="title_fr"' in page and "Séance d&#39;ouverture" in page
    start = public.starts_at.astimezone(event.tz)
    response = client.post(
        url,
        data={
            "title": public.title,
            "kind": public.kind,
            "abstract": public.abstract,
            "title_fr": "Ouverture",
            "abstract_de": "Grußworte.",
            "day": start.date().isoformat(),
            "start_time": start.strftime("%H:%M"),
            "end_time": public.ends_at.astimezone(event.tz).strftime("%H:%M"),
            "room": public.room_id,
            "track": "",
            "restricted_visibility": "listed",
            "status": public.status,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(public)
    assert public.translations == {"fr": {"title": "Ouverture"}, "de": {"abstract": "Grußworte."}}
    assert "Ouverture" in _get(app, f"/events/multi/sessions/{public.id}/", FR)


def test_event_form_shows_translations(app, world, login):
    event, _, _, _ = world
    client = login(make_staff(event, "organiser"))
    page = client.get("/events/multi/manage/").get_data(as_text=True)
    assert 'name="description_de"' in page and "Tage der Forschungssicherheit" in page


def test_json_export_is_one_machine_format_whatever_the_viewers_language(app, world):
    # The JSON export is cached once for every language: its kinds are never translated.
    event = world[0]
    french = _get(app, f"/events/{event.slug}/agenda.json", {"HTTP_ACCEPT_LANGUAGE": "fr"})
    english = _get(app, f"/events/{event.slug}/agenda.json")
    assert '"kind": "Talk"' in french.replace('":"', '": "') and french == english


def test_a_page_served_in_the_events_language_is_never_served_to_another_language(app, world):
    # No preference: the event's own language. A visitor whose browser asks for English must
    # not get that page from the cache, nor the other way round.
    event = world[0]
    event.default_language = "fr"
    db.session.commit()
    page = f"/events/{event.slug}/agenda/"
    french = _get(app, page)
    english = _get(app, page, {"HTTP_ACCEPT_LANGUAGE": "en"})
    assert 'lang="fr"' in french and "Séance d'ouverture" in french.replace("&#39;", "'")
    assert 'lang="en"' in english and "Opening plenary" in english
    assert 'lang="fr"' in _get(app, page)


def test_a_passage_left_in_the_original_says_which_language_it_is_in(app, world):
    event, public, listed, hidden = world
    french = _get(
        app, f"/events/{event.slug}/sessions/{public.id}/", {"HTTP_ACCEPT_LANGUAGE": "fr"}
    )
    german = _get(
        app, f"/events/{event.slug}/sessions/{public.id}/", {"HTTP_ACCEPT_LANGUAGE": "de"}
    )
    english = _get(app, f"/events/{event.slug}/sessions/{public.id}/")
    # Translated into French: the page's own language, nothing to say.
    assert '<div class="description">' in french and 'lang="en"' not in french.split("<main")[1]
    # No German abstract: the English original is marked as English on the German page.
    assert '<div class="description" lang="en">' in german
    assert '<span lang="en">Opening plenary</span>' in german
    assert 'lang="en"' not in english.split("<main")[1]

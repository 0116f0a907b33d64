"""Name search for registrants: folded words, prefixes, and terms that follow the data."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from conference.accounts.services import update_profile
from conference.badges.offline import search_registrations
from conference.extensions import db
from conference.registration import privacy, search
from conference.registration.models import Registration, RegistrationSearchTerm
from tests.factories import make_attendee, make_open_event
from tests.workload import build_workload

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def event():
    return make_open_event(mode="automatic")


def _names(event, query: str) -> list[str]:
    return [registration.user.name for registration, _ in search_registrations(event, query)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Łukasz Müller-Øster", {"lukasz", "muller", "oster"}),
        ("ÞÓRA Ægisdóttir", {"thora", "aegisdottir"}),
        ("STRAẞE  d'Évora", {"strasse", "d", "evora"}),
        # Greek and Cyrillic in Latin letters, as typed and as Unidecode spells them.
        ("Ελένη Παπαδοπούλου", {"eleni", "elene", "papadopoulou"}),
        ("Юлия Ковалёва", {"yulia", "iuliia", "kovaleva"}),
        ("Дмитрий Щукин", {"dmitry", "dmitrii", "shchukin"}),
        ("Ольга", {"olga"}),
        ("<script>x_y</script>", {"script", "x", "y"}),
    ],
)
def test_terms_are_folded_words(text, expected):
    assert search.terms_for(text, "") == expected


def test_search_ignores_case_and_accents_and_matches_word_beginnings(event):
    make_attendee(event, name="Søren Müller")
    make_attendee(event, name="Ana Novák")
    make_attendee(event, name="Hanna Novakowska")

    assert _names(event, "MULLER") == ["Søren Müller"]
    assert _names(event, "sor mül") == ["Søren Müller"]
    assert _names(event, "novak") == ["Ana Novák", "Hanna Novakowska"]
    assert _names(event, "nov ana") == ["Ana Novák"]
    # Every word typed must begin a word of the person; inside a word is not a match.
    assert _names(event, "ovak") == []
    assert _names(event, "novak zzz") == []
    assert _names(event, "n") == [] and _names(event, "  ") == [] and _names(event, "%_") == []


def test_search_finds_the_organisation_shown_on_the_badge(event):
    own = make_attendee(event, name="Ines Duarte")
    own.organisation = "Polícia Judiciária"
    inherited = make_attendee(event, name="Jon Doe")
    inherited.organisation = ""
    inherited.user.organisation = "Europol"
    # Changed here row by row: reindexed as the services that change them do.
    search.reindex_registration(own)
    search.reindex_users([inherited.user_id])
    db.session.commit()

    assert _names(event, "policia") == ["Ines Duarte"]
    assert _names(event, "europ") == ["Jon Doe"]


def test_door_staff_on_a_latin_keyboard_find_greek_and_cyrillic_names(event):
    eleni = make_attendee(event, name="Ελένη Παπαδοπούλου")
    eleni.user.email = "e.papadopoulou@police.gr"
    eleni.organisation = "Ελληνική Αστυνομία"
    search.reindex_registration(eleni)
    make_attendee(event, name="Юлия Ковалёва")
    make_attendee(event, name="Elena Papas")
    db.session.commit()

    for typed in ("Ελένη", "papad", "Papadopoulou", "Eleni", "eleni papad", "elene"):
        assert _names(event, typed) == ["Ελένη Παπαδοπούλου"], typed
    assert _names(event, "e.papadopoulou@police.gr") == ["Ελένη Παπαδοπούλου"]
    assert _names(event, "police.gr") == ["Ελένη Παπαδοπούλου"]
    assert _names(event, "astynomia") == ["Ελένη Παπαδοπούλου"]
    for typed in ("Yulia", "iuliia", "Kovaleva", "Юлия"):
        assert _names(event, typed) == ["Юлия Ковалёва"], typed
    assert _names(event, "papa") == ["Elena Papas", "Ελένη Παπαδοπούλου"]


def test_terms_follow_email_changes(event):
    registration = make_attendee(event, name="Mail Changer")
    registration.user.email = "new.address@example.eu"
    search.reindex_users([registration.user_id])
    db.session.commit()

    assert _names(event, "new.address") == ["Mail Changer"]


def test_search_stays_within_the_event(event):
    other = make_open_event()
    make_attendee(other, name="Elsewhere Person")
    make_attendee(event, name="Here Person")

    assert _names(event, "person") == ["Here Person"]


def test_terms_follow_name_and_organisation_changes(event):
    registration = make_attendee(event, name="Maria Schmidt")
    update_profile(
        registration.user,
        name="Maria Schmidt-Weber",
        organisation="Bundespolizei",
        country="DE",
        claimed_category=None,
    )
    db.session.commit()

    assert _names(event, "weber") == ["Maria Schmidt-Weber"]
    assert _names(event, "bundes") == ["Maria Schmidt-Weber"]

    registration.organisation = "Frontex"
    search.reindex_registration(registration)
    db.session.commit()
    assert _names(event, "frontex") == ["Maria Schmidt-Weber"]
    assert _names(event, "bundes") == []  # the registration's own organisation is shown


def test_deleted_accounts_are_no_longer_found(event):
    registration = make_attendee(event, name="Pieter de Vries")
    user = registration.user

    privacy.delete_account(user)
    db.session.commit()

    assert _names(event, "vries") == []
    assert _names(event, "pieter") == []


def test_search_uses_an_index_range_not_a_scan(event):
    make_attendee(event, name="Indexed Person")
    query = select(Registration.id).where(
        Registration.id.in_(search.matching_registrations(event.id, "inde", 25))
    )
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))

    if db.engine.dialect.name == "sqlite":
        plan = " ".join(
            str(row[-1]) for row in db.session.execute(db.text("EXPLAIN QUERY PLAN " + sql))
        )
        # The name and registration id are in the index: the terms' table is never read.
        assert (
            "COVERING INDEX ix_registration_search_terms_event_term "
            "(event_id=? AND term>? AND term<?)" in plan
        )
        assert "SCAN registrations" not in plan and "SCAN registration_search_terms" not in plan
    else:
        # PostgreSQL's planner scans tables this small whatever the indexes; without
        # sequential scans it shows which index serves the range.
        db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(row[0]) for row in db.session.execute(db.text("EXPLAIN " + sql)))
        assert "Index Only Scan using ix_registration_search_terms_event_term" in plan
        assert "Seq Scan" not in plan


def test_imported_registrations_are_searchable(runner, tmp_path):
    document = build_workload(sessions=4, attendees=5, rooms=1)
    document["attendees"][0]["name"] = "Zoë Ångström"
    path = tmp_path / "event.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    result = runner.invoke(args=["import-event", str(path)])

    assert result.exit_code == 0, result.output
    registration = db.session.scalars(
        select(Registration).where(Registration.external_id == document["attendees"][0]["id"])
    ).one()
    assert _names(registration.event, "zoe angs") == ["Zoë Ångström"]
    terms = db.session.scalar(select(func.count()).select_from(RegistrationSearchTerm))
    assert terms >= 10  # every imported registrant has terms


def test_many_matches_give_the_first_in_name_order_and_follow_a_rename(event):
    from conference.badges.offline import SEARCH_LIMIT

    # More namesakes than a search shows, made in reverse name order.
    for n in reversed(range(SEARCH_LIMIT + 5)):
        make_attendee(event, name=f"Anna{n:02d} Kowalska")
    make_attendee(event, name="Kowalski Other")  # matches "kowal", a word that starts it

    shown = _names(event, "kowal")

    expected = sorted(
        [f"Anna{n:02d} Kowalska" for n in range(SEARCH_LIMIT + 5)] + ["Kowalski Other"]
    )
    assert shown == expected[:SEARCH_LIMIT]
    # Every word must match, and the first ones are still chosen by name.
    assert _names(event, "kowalska anna0") == [f"Anna{n:02d} Kowalska" for n in range(10)]

    # A renamed holder moves in the list at once (the terms carry the name).
    last = db.session.scalars(
        select(Registration).join(Registration.user).where(Registration.event_id == event.id)
    ).all()
    renamed = next(r for r in last if r.user.name == f"Anna{SEARCH_LIMIT + 4:02d} Kowalska")
    user = renamed.user
    update_profile(
        user,
        name="Aaron Kowalska",
        organisation=user.organisation,
        country=user.country,
        claimed_category=None,
    )
    db.session.commit()
    assert _names(event, "kowal")[0] == "Aaron Kowalska"

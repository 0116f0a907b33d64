"""Finding registrants by name or organisation, fast and forgiving of accents.

Door staff type a few letters of a name ("novak", "mull") for someone who forgot
their badge. Each registration's words (the holder's name and the organisation
shown on the badge, and the words of their email) are kept folded in
``registration_search_terms``: lower case, accents and special letters reduced,
other scripts in Latin letters (``transliterate``), so "Łukasz Müller-Øster" is
found as "lukasz muller oster" and by "Muller", "Ελένη Παπαδοπούλου" by "Eleni"
and "papad", and anyone by "eleni.p@uni". A registration matches when every word
typed begins one of its terms; each word is one range on the (event, term)
index, so a search costs the same at 200 or 20,000 attendees.

The services that change what the terms are made of say so, in the same transaction:
registering and enrolling (``reindex_registration``), erasure and retention, the importer
(``reindex`` in bulk), and a profile change through the ``account_details_changed`` signal
(``receivers.py``), since accounts sit below registration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, delete, func, intersect, or_, select
from sqlalchemy.engine import Connection

from conference.accounts.models import User
from conference.bulk_insert import insert_rows
from conference.extensions import db
from conference.registration.models import Registration, RegistrationSearchTerm
from conference.registration.transliterate import latin, spellings

MAX_TERM_LENGTH = 64
MAX_QUERY_WORDS = 5
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case, without accents, in Latin letters: what is looked up."""
    return latin(text)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text or ""))


def terms_for(name: str, organisation: str, email: str = "") -> set[str]:
    """The stored terms: every Latin spelling of the name and organisation, the email's words."""
    found = {word[:MAX_TERM_LENGTH] for word in words(email)}
    return found.union(_text_terms(name or ""), _text_terms(organisation or ""))


@lru_cache(maxsize=8192)  # names and organisations repeat across thousands of registrants
def _text_terms(text: str) -> frozenset[str]:
    found: set[str] = set()
    for spelling in spellings(text):
        found.update(_WORD.findall(spelling))
    return frozenset(word[:MAX_TERM_LENGTH] for word in found)


def query_words(query: str) -> list[str]:
    """The words of a search; none when there is too little to search for."""
    found = words(query)[:MAX_QUERY_WORDS]
    return found if sum(map(len, found)) >= 2 else []


def _prefix_range(column: Any, prefix: str) -> Any:
    # Terms are compared code point by code point (collation "C" on PostgreSQL), so the
    # terms beginning with ``prefix`` are those from ``prefix`` up to the next prefix.
    prefix = prefix[:MAX_TERM_LENGTH]
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return column >= prefix
    return (column >= prefix) & (column < prefix[:-1] + chr(last + 1))


def matching_registrations(event_id: int, query: str, limit: int) -> Select | None:
    """The ids of the first ``limit`` of the event's registrations matching every word of
    ``query``, in their holders' name order (then id), or None when there is nothing to search.

    Read from the term index alone: a common surname of a large event matches a thousand
    registrants, and only the first ``limit`` are then joined to anything.
    """
    found = query_words(query)
    if not found:
        return None
    term = RegistrationSearchTerm
    parts = [
        select(term.registration_id, term.sort_name).where(
            term.event_id == event_id, _prefix_range(term.term, w)
        )
        for w in found
    ]
    # One word may begin several words of a name ("ma" in "Maria Martin"): once each
    # (INTERSECT already gives each registration once).
    matches = (parts[0].distinct() if len(parts) == 1 else intersect(*parts)).subquery()
    return (
        select(matches.c.registration_id)
        .order_by(matches.c.sort_name, matches.c.registration_id)
        .limit(limit)
    )


# -- keeping the terms up to date ---------------------------------------------------------------


def reindex(
    connection: Connection,
    *,
    registration_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
    new: bool = False,
    with_names: bool = True,
) -> None:
    """Rewrite the terms of these registrations and of every registration of these users.

    ``new``: the registrations were just inserted and have no terms yet (the importer).
    ``with_names=False``: for the migrations before 0026, whose table has no ``sort_name``
    yet (0026 fills it in).
    """
    registration_ids, user_ids = list(registration_ids), list(user_ids)
    if not registration_ids and not user_ids:
        return
    shown_organisation = func.coalesce(
        func.nullif(Registration.organisation, ""), User.organisation, ""
    )
    rows = connection.execute(
        select(Registration.id, Registration.event_id, User.name, shown_organisation, User.email)
        .join(User, Registration.user_id == User.id)
        .where(or_(Registration.id.in_(registration_ids), Registration.user_id.in_(user_ids)))
    ).all()
    ids = [row[0] for row in rows]
    table = RegistrationSearchTerm.__table__
    for start in range(0, 0 if new else len(ids), 500):
        connection.execute(
            delete(table).where(table.c.registration_id.in_(ids[start : start + 500]))
        )
    terms = [
        {
            "registration_id": registration_id,
            "event_id": event_id,
            "term": term,
            **({"sort_name": name or ""} if with_names else {}),
        }
        for registration_id, event_id, name, organisation, email in rows
        for term in sorted(terms_for(name or "", organisation or "", email or ""))
    ]
    insert_rows(connection, table, terms)


def reindex_registration(registration: Registration) -> None:
    """Rewrite one registration's terms (after its holder or organisation changed), flushed."""
    db.session.flush()
    reindex(db.session.connection(), registration_ids=[registration.id])


def reindex_users(user_ids: Iterable[int]) -> None:
    """Rewrite the terms of every registration of these people (their name or email changed)."""
    db.session.flush()
    reindex(db.session.connection(), user_ids=user_ids)

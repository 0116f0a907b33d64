"""Who may download: every TLP marking × every kind of actor, on an open and a restricted session.

A document of a session the actor may not see in full answers 404 like a missing one;
a document they see but whose marking excludes them answers 403.
"""

from __future__ import annotations

import pytest

from conference.markings import TLP
from tests.documents.conftest import ACTORS, MARKINGS, download_url
from tests.pages import page_body

STAFF = {"organiser", "door_staff"}
APPROVED = {"registered", "verified", "checked_in", "withdrawn"}
# Who sees the restricted session (member State experts, verified) in full.
SEES_RESTRICTED = {"verified", "checked_in"} | STAFF


def expected_status(session: str, marking: TLP, actor: str) -> int:
    """The rule of docs/documents.md, written out independently of permissions.py."""
    if session == "restricted" and actor not in SEES_RESTRICTED:
        return 404
    if actor in STAFF or marking == TLP.CLEAR:
        return 200
    if marking in (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT):
        return 200 if actor in APPROVED else 403
    # RED: checked in at this session's door (the withdrawn person was, at the open one).
    return 200 if actor in {"checked_in", "withdrawn"} else 403


@pytest.mark.parametrize("session", ["open", "restricted"])
@pytest.mark.parametrize("marking", MARKINGS, ids=[m.name for m in MARKINGS])
@pytest.mark.parametrize("actor", ACTORS)
def test_download_follows_visibility_and_marking(session, marking, actor, docs, client_for):
    document = docs.documents[(session, marking)]

    response = client_for(actor).get(download_url(document))

    assert response.status_code == expected_status(session, marking, actor)
    if response.status_code == 200:
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.data.startswith(b"%PDF-")
    else:
        assert document.title.encode() not in response.data


@pytest.mark.parametrize("actor", ACTORS)
def test_hidden_document_answers_exactly_like_a_missing_one(actor, docs, client_for):
    client = client_for(actor)
    client.get("/")  # settles the login session, so no later response sets a cookie
    document = docs.documents[("restricted", TLP.CLEAR)]

    hidden = client.get(download_url(document))
    missing = client.get("/events/docs-2027/documents/987654/download")

    if actor in SEES_RESTRICTED:
        assert hidden.status_code == 200
    else:
        assert hidden.status_code == missing.status_code == 404
        assert page_body(hidden) == page_body(missing)


def test_red_needs_the_check_in_at_that_very_door(docs, client_for):
    """Verified for the session but not checked in there: refused; checked in: served."""
    red = docs.documents[("restricted", TLP.RED)]

    assert client_for("verified").get(download_url(red)).status_code == 403
    assert client_for("checked_in").get(download_url(red)).status_code == 200


def test_withdrawn_verification_closes_amber_and_red_of_the_restricted_session(docs, client_for):
    client = client_for("withdrawn")

    for marking in MARKINGS:
        document = docs.documents[("restricted", marking)]
        assert client.get(download_url(document)).status_code == 404, marking
    # The open session still admits the (approved) person.
    assert client.get(download_url(docs.documents[("open", TLP.AMBER)])).status_code == 200

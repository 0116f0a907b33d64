"""CSV upload of nominees: a preview with per-row errors; nothing written until confirmed."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from conference.delegations.models import Nomination
from conference.delegations.rules import parse_nominee_csv
from conference.extensions import db
from conference.mail.models import OutboxMessage
from tests.delegations.helpers import invite, make_delegation, make_ncp
from tests.factories import make_open_event

pytestmark = pytest.mark.usefixtures("app")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_parse_reads_commas_semicolons_and_a_bom():
    rows, problem = parse_nominee_csv("\ufeffName;E-mail\nAnn Peeters; ANN@example.org \n\n")
    assert problem == ""
    assert [(r.line, r.name, r.email, r.errors) for r in rows] == [
        (2, "Ann Peeters", "ann@example.org", [])
    ]


def test_parse_flags_each_bad_row():
    rows, _ = parse_nominee_csv(
        "email,name\nann@example.org,Ann\nnot-an-address,Bob\n,\nann@example.org,Ann Again\nc@example.org,\n"
    )
    assert [(r.line, r.errors) for r in rows] == [
        (2, []),
        (3, ["The email address is missing or not valid."]),
        (5, ["The same address is on line 2."]),
        (6, ["The name is missing."]),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "The file is empty."),
        (
            "who,where\nAnn,BE\n",
            'The first line must name the columns, with at least "name" and "email".',
        ),
        ("name,email\n", "The file has no nominee under its header line."),
    ],
)
def test_parse_refuses_files_it_cannot_read(text, problem):
    assert parse_nominee_csv(text) == ([], problem)


def _upload(client, delegation, text: str | bytes):
    body = text.encode() if isinstance(text, str) else text
    return client.post(
        f"/events/{delegation.event.slug}/delegations/{delegation.id}/upload",
        data={"file": (io.BytesIO(body), "nominees.csv")},
        content_type="multipart/form-data",
    )


def test_preview_shows_per_row_errors_and_writes_nothing(login):
    delegation = make_delegation(make_open_event(), quota=5)
    ncp = make_ncp(delegation)
    invite(delegation, ncp, name="Old Nominee", email="old@example.org")
    nominations_before, mail_before = _count(Nomination), _count(OutboxMessage)
    client = login(ncp)

    preview = _upload(
        client,
        delegation,
        "name,email\nNew One,new1@example.org\nOld Nominee,old@example.org\nBad,nope\n",
    )

    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Preview: 1 of 3 line(s) can be invited" in text
    assert "Already nominated by your delegation." in text
    assert "The email address is missing or not valid." in text
    assert "Send 1 invitation(s)" in text
    assert (_count(Nomination), _count(OutboxMessage)) == (nominations_before, mail_before)


def test_upload_of_a_file_that_is_not_utf8_is_refused(login):
    delegation = make_delegation(make_open_event())
    answer = _upload(
        login(make_ncp(delegation)),
        delegation,
        "name,email\nJosé,j@example.org\n".encode("latin-1"),
    )
    assert answer.status_code == 422
    assert "not UTF-8 text" in answer.get_data(as_text=True)


def test_confirm_sends_every_invitation_or_none(login):
    delegation = make_delegation(make_open_event(), quota=5)
    ncp = make_ncp(delegation)
    client = login(ncp)
    url = f"/events/{delegation.event.slug}/delegations/{delegation.id}/upload/confirm"
    rows = '[[2, "Ann One", "ann@example.org"], [3, "Bob Two", "bob@example.org"]]'

    sent = client.post(url, data={"rows": rows})
    assert sent.status_code == 303
    assert sorted(db.session.scalars(select(Nomination.email))) == [
        "ann@example.org",
        "bob@example.org",
    ]

    # Bob was nominated meanwhile: the whole file is refused, Carla is not invited either.
    again = client.post(
        url, data={"rows": '[[2, "Carla", "carla@example.org"], [3, "Bob Two", "bob@example.org"]]'}
    )
    assert again.status_code == 409
    assert "Nothing was sent. Line 3 (bob@example.org)" in again.get_data(as_text=True)
    assert _count(Nomination) == 2

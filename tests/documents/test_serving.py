"""Serving: headers, the recipient's stamp on marked PDFs, versions and the download record."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from conference.db_types import utcnow
from conference.documents.models import DocumentDownload
from conference.documents.services import Upload, add_version
from conference.extensions import db
from conference.markings import TLP
from tests.documents.conftest import BASE, download_url, pdf_bytes


def _text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_marked_pdf_is_stamped_on_every_page_with_name_marking_and_date(docs, client_for):
    document = docs.documents[("restricted", TLP.RED)]

    before = utcnow().astimezone(docs.event.tz).date().isoformat()
    response = client_for("checked_in").get(download_url(document))
    after = utcnow().astimezone(docs.event.tz).date().isoformat()

    pages = _text(response.data)
    assert len(pages) == 2
    for text in pages:
        assert "TLP:RED" in text
        assert "Karolina Nowak-Ζήτα" in text
        assert "Never share onwards" in text
        assert before in text or after in text  # the day of the download, event time
        assert "Briefing note body" in text  # the document itself is intact


def test_amber_is_stamped_and_clear_and_green_are_served_as_uploaded(docs, client_for):
    client = client_for("verified")

    amber = client.get(download_url(docs.documents[("open", TLP.AMBER)])).data
    green = client.get(download_url(docs.documents[("open", TLP.GREEN)])).data
    clear = client.get(download_url(docs.documents[("open", TLP.CLEAR)])).data

    assert all("TLP:AMBER" in text for text in _text(amber))
    assert "Never share onwards" not in "".join(_text(amber))
    stored = docs.documents[("open", TLP.GREEN)].current.blob.data
    assert green == stored
    assert "TLP:" not in "".join(_text(clear))


def test_headers_keep_marked_files_out_of_every_cache(docs, client_for):
    client = client_for("organiser")

    amber = client.get(download_url(docs.documents[("open", TLP.AMBER)]))
    clear = client.get(download_url(docs.documents[("open", TLP.CLEAR)]))

    assert amber.headers["Content-Type"] == "application/pdf"
    assert "no-store" in amber.headers["Cache-Control"]
    assert "private" in amber.headers["Cache-Control"]
    assert "no-store" not in clear.headers["Cache-Control"]
    assert "public" not in clear.headers["Cache-Control"]
    assert amber.headers["X-Content-Type-Options"] == "nosniff"
    assert amber.headers["Content-Disposition"] == "attachment; filename=amber.pdf"


def test_every_download_is_recorded_and_shown_to_organisers(docs, client_for):
    document = docs.documents[("open", TLP.AMBER)]
    client_for("checked_in").get(download_url(document))
    client_for("registered").get(download_url(document))
    client_for("anonymous").get(download_url(docs.documents[("open", TLP.CLEAR)]))
    client_for("outsider").get(download_url(document))  # refused: not recorded

    rows = db.session.scalars(
        select(DocumentDownload).where(DocumentDownload.document_id == document.id)
    ).all()
    log = client_for("organiser").get(f"{BASE}/manage/documents/{document.id}/downloads")

    assert sorted(r.user_id for r in rows) == sorted(
        [docs.users["checked_in"].id, docs.users["registered"].id]
    )
    assert all(r.version_id == document.current.id and r.stamped for r in rows)
    page = log.get_data(as_text=True)
    assert "Karolina Nowak-Ζήτα" in page and docs.users["registered"].email in page
    assert "2 downloads" in page
    assert (
        client_for("door_staff").get(f"{BASE}/manage/documents/{document.id}/downloads").status_code
        == 403
    )


def test_a_new_version_is_served_and_the_old_one_kept_for_organisers(docs, client_for):
    document = docs.documents[("open", TLP.GREEN)]
    add_version(
        document,
        upload=Upload("v2.pdf", pdf_bytes(pages=1, text="Second edition")),
        actor=docs.users["organiser"],
        max_bytes=20 * 1024 * 1024,
    )
    db.session.commit()

    current = client_for("registered").get(download_url(document))
    old_for_attendee = client_for("registered").get(download_url(document) + "?version=1")
    old = client_for("organiser").get(download_url(document) + "?version=1")

    assert "Second edition" in _text(current.data)[0]
    assert old_for_attendee.status_code == 404
    assert "Briefing note body" in _text(old.data)[0]
    versions = [
        r.version.number
        for r in db.session.scalars(
            select(DocumentDownload).where(DocumentDownload.document_id == document.id)
        )
    ]
    assert sorted(versions) == [1, 2]


def test_retention_erasure_unnames_the_download_log(docs, client_for):
    from conference.editions.retention import erase_event_personal_data

    document = docs.documents[("open", TLP.AMBER)]
    client_for("registered").get(download_url(document))

    erase_event_personal_data(docs.event, utcnow())
    db.session.commit()

    rows = db.session.scalars(select(DocumentDownload)).all()
    assert len(rows) == 1 and rows[0].user_id is None

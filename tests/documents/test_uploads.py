"""Uploads: the type is read from the content, the size is bounded, nothing half-stored."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from conference.documents.models import (
    DocumentBlob,
    DocumentDownload,
    DocumentVersion,
    SessionDocument,
)
from conference.extensions import db
from tests.documents.conftest import BASE, odf_bytes, office_bytes, pdf_bytes

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (SessionDocument, DocumentVersion, DocumentBlob, DocumentDownload)
    )


def _upload(client, session, data: bytes, filename: str, **fields):
    form = {"title": "Slides", "tlp": "TLP:AMBER", **fields}
    form["file"] = (io.BytesIO(data), filename)
    return client.post(
        f"{BASE}/manage/documents/sessions/{session.id}/",
        data=form,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("data", "name", "stored_name", "content_type"),
    [
        (pdf_bytes(), "Notes.PDF", "Notes.pdf", "application/pdf"),
        (office_bytes(DOCX_MAIN), "brief.docx", "brief.docx", "wordprocessingml.document"),
        (
            office_bytes(PPTX_MAIN, "/ppt/presentation.xml"),
            "deck",
            "deck.pptx",
            "presentationml.presentation",
        ),
        (office_bytes(XLSX_MAIN, "/xl/workbook.xml"), "t.xlsx", "t.xlsx", "spreadsheetml.sheet"),
        (
            odf_bytes("application/vnd.oasis.opendocument.presentation"),
            "talk.odp",
            "talk.odp",
            "opendocument.presentation",
        ),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "map.png", "map.png", "image/png"),
        # A PDF named like a Word file is stored and served as what it is.
        (pdf_bytes(), "sneaky.docx", "sneaky.pdf", "application/pdf"),
        (pdf_bytes(), "../../etc/pass wd;rm.pdf", "pass wd_rm.pdf", "application/pdf"),
        (pdf_bytes(), "Δελτίο.pdf", "Δελτίο.pdf", "application/pdf"),
    ],
)
def test_allowed_types_are_recognised_from_their_content(
    docs, login, data, name, stored_name, content_type
):
    client = login(docs.users["organiser"])

    response = _upload(client, docs.open, data, name)

    assert response.status_code == 302, response.get_data(as_text=True)
    version = db.session.scalar(
        select(DocumentVersion).order_by(DocumentVersion.id.desc()).limit(1)
    )
    assert version.filename == stored_name
    assert content_type in version.content_type
    assert version.size == len(data)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00 an executable", "slides.pdf", "not one of the allowed types"),
        (b"<html><script>alert(1)</script>", "notes.pdf", "not one of the allowed types"),
        (office_bytes(DOCM_MAIN), "macro.docx", "not one of the allowed types"),
        (b"PK\x03\x04 not really a zip", "deck.pptx", "not one of the allowed types"),
        (b"%PDF-1.7 truncated garbage", "broken.pdf", "could not be read"),
        (b"", "empty.pdf", "The file is empty"),
    ],
)
def test_disallowed_content_gets_an_error_next_to_the_field_and_stores_nothing(
    docs, login, data, name, message
):
    client = login(docs.users["organiser"])
    before = _counts()

    response = _upload(client, docs.open, data, name)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<p class="error" id="file-error">' in page
    assert message in page
    assert _counts() == before


def test_oversized_file_is_refused_next_to_the_field(app, docs, login):
    app.config["DOCUMENT_MAX_BYTES"] = 64 * 1024
    client = login(docs.users["organiser"])
    before = _counts()

    response = _upload(client, docs.open, pdf_bytes() + b"%" * (70 * 1024), "big.pdf")

    assert response.status_code == 422
    assert "larger than 0.0625 MiB" in response.get_data(as_text=True)
    assert _counts() == before


def test_a_body_far_beyond_the_upload_limit_is_refused_before_it_is_read(app, docs, login):
    app.config["DOCUMENT_UPLOAD_BODY_MAX_BYTES"] = 128 * 1024
    client = login(docs.users["organiser"])
    before = _counts()

    response = _upload(client, docs.open, b"%PDF-" + b"x" * (256 * 1024), "huge.pdf")

    assert response.status_code == 413
    assert _counts() == before


def test_the_upload_route_takes_more_than_the_app_wide_body_limit(app, docs, login):
    """MAX_CONTENT_LENGTH (1 MiB) stays for every other route; uploads have their own."""
    client = login(docs.users["organiser"])
    data = pdf_bytes() + b"%" * (2 * 1024 * 1024)
    # Encoded here: the test client spools a body this big to a file it never closes.
    boundary = "----documents-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBig\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="tlp"\r\n\r\nTLP:CLEAR\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="two-mib.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )

    response = client.post(
        f"{BASE}/manage/documents/sessions/{docs.open.id}/",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == 302
    assert app.config["MAX_CONTENT_LENGTH"] < len(data)


def test_title_and_marking_errors_show_next_to_their_fields(docs, login):
    client = login(docs.users["organiser"])
    before = _counts()

    response = _upload(client, docs.open, pdf_bytes(), "a.pdf", title="", tlp="TLP:WHITE")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="title-error"' in page and 'id="tlp-error"' in page
    assert _counts() == before


def test_the_marking_defaults_to_the_sessions(docs, login):
    docs.restricted.tlp = "TLP:AMBER+STRICT"
    db.session.commit()

    page = login(docs.users["organiser"]).get(
        f"{BASE}/manage/documents/sessions/{docs.restricted.id}/"
    )

    assert '<option selected value="TLP:AMBER+STRICT">' in page.get_data(as_text=True)


def test_a_refused_new_version_keeps_the_document_as_it_was(docs, login):
    client = login(docs.users["organiser"])
    document = next(iter(docs.documents.values()))
    before = _counts()

    response = client.post(
        f"{BASE}/manage/documents/{document.id}/versions",
        data={f"v{document.id}-file": (io.BytesIO(b"GIF89a"), "x.gif")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert "not one of the allowed types" in response.get_data(as_text=True)
    assert _counts() == before


def test_a_new_version_adds_to_the_record(docs, login):
    client = login(docs.users["organiser"])
    document = next(iter(docs.documents.values()))

    response = client.post(
        f"{BASE}/manage/documents/{document.id}/versions",
        data={f"v{document.id}-file": (io.BytesIO(pdf_bytes(1)), "second.pdf")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert [v.number for v in document.versions] == [2, 1]
    assert document.current.filename == "second.pdf"

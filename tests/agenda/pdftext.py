"""The text of a PDF, read by an independent parser (pypdf), for assertions on what it prints."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """Every page's text, pages joined by a blank line; runs of spaces collapsed."""
    assert data.startswith(b"%PDF-"), data[:40]
    reader = PdfReader(io.BytesIO(data))
    pages = [" ".join((page.extract_text() or "").split(" ")) for page in reader.pages]
    return "\n\n".join(pages)

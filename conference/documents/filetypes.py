"""What an uploaded file really is, from its bytes: the type allow-list and safe file names.

The name and the browser's Content-Type are the uploader's claims; only the content decides.
Office files are ZIP containers: OOXML says what it is in ``[Content_Types].xml``, ODF in its
first entry, ``mimetype``. Macro-enabled variants have other types and are refused.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extension: str


PDF = FileType("PDF", "application/pdf", "pdf")
PNG = FileType("PNG image", "image/png", "png")
JPEG = FileType("JPEG image", "image/jpeg", "jpg")
DOCX = FileType(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
)
PPTX = FileType(
    "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptx",
)
XLSX = FileType(
    "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
)
ODT = FileType("OpenDocument text", "application/vnd.oasis.opendocument.text", "odt")
ODP = FileType(
    "OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", "odp"
)
ODS = FileType("OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", "ods")

ALLOWED_DESCRIPTION = _l("PDF, Word, PowerPoint, Excel, OpenDocument, PNG or JPEG")

# The main part's content type in [Content_Types].xml → the OOXML type it makes.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_ODF = {t.content_type: t for t in (ODT, ODP, ODS)}
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# [Content_Types].xml is a few kilobytes; a bigger one is not an office file we take.
_MAX_MANIFEST_BYTES = 256 * 1024


def detect_type(data: bytes) -> FileType | None:
    """The allowed type ``data`` is, or None when it is none of them."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    return None


def _zip_type(data: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if names and names[0] == "mimetype":
                return _ODF.get(_read_small(archive, "mimetype").decode("ascii", "replace").strip())
            if "[Content_Types].xml" in names:
                return _ooxml_type(_read_small(archive, "[Content_Types].xml"))
    except (zipfile.BadZipFile, ValueError, ET.ParseError, OSError):
        return None
    return None


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > _MAX_MANIFEST_BYTES:
        raise ValueError(f"{name} is too large")
    return archive.read(name)


def _ooxml_type(manifest: bytes) -> FileType | None:
    # The standard library parser expands no external entities; a DTD has no place here.
    if b"<!DOCTYPE" in manifest or b"<!ENTITY" in manifest:
        return None
    root = ET.fromstring(manifest)  # noqa: S314  (no DTD, checked above)
    for override in root.iter(f"{_CONTENT_TYPES_NS}Override"):
        if override.get("PartName", "").count("/") == 2:  # /word/document.xml, not deeper
            found = _OOXML_MAIN.get(override.get("ContentType", ""))
            if found is not None:
                return found
    return None


_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')
MAX_STEM = 100


def safe_filename(original: str, kind: FileType, fallback: str = "document") -> str:
    """The uploader's name without paths, control or shell characters, with the real extension.

    Letters of any script stay (the download header spells them out in RFC 5987).
    """
    name = unicodedata.normalize("NFC", original or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip(" ._-")[:MAX_STEM].strip(" ._-")
    if not stem:
        stem = _UNSAFE.sub("_", fallback).strip(" ._-")[:MAX_STEM] or "document"
    return f"{stem}.{kind.extension}"

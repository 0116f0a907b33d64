"""The French and German catalogues are complete and current (issue 20).

Extracts the strings of the code and templates as `make translations` does, and fails when a
catalogue misses one, keeps one the code no longer has, leaves one fuzzy or empty, or
translates one with placeholders that differ (which would fail at run time).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "conference" / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}")


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location", "-F",
         "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        return {_key(message.id) for message in read_po(handle) if message.id}


def _key(message_id) -> str:
    return message_id if isinstance(message_id, str) else "\x00".join(message_id)


def _catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ["fr", "de"])
def test_the_catalogue_holds_exactly_the_strings_of_the_code(language, source_ids):
    catalogue_ids = {_key(message.id) for message in _catalogue(language) if message.id}
    missing = sorted(source_ids - catalogue_ids)
    stale = sorted(catalogue_ids - source_ids)
    assert not missing, (
        f"{len(missing)} string(s) not in the {language} catalogue (make translations): {missing[:10]}"
    )
    assert not stale, (
        f"{len(stale)} string(s) the code no longer has (make translations): {stale[:10]}"
    )


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_string_is_translated_with_the_same_placeholders(language):
    problems = []
    for message in _catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted or (
                len(ids) == 1 and wanted - set(PLACEHOLDER.findall(string))
            ):
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems[:20])

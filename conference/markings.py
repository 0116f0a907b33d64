"""Information-sharing markings: FIRST TLP 2.0 and the Chatham House Rule.

The marking of a session (and of a document) says how far what is said or shared
may travel. The labels are FIRST's own spelling, so people recognise them.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


class TLP(StrEnum):
    """A FIRST Traffic Light Protocol 2.0 label, from the least to the most restricted."""

    CLEAR = "TLP:CLEAR"
    GREEN = "TLP:GREEN"
    AMBER = "TLP:AMBER"
    AMBER_STRICT = "TLP:AMBER+STRICT"
    RED = "TLP:RED"

    @property
    def label(self) -> str:
        return self.value

    @property
    def meaning(self) -> str:
        return str(TLP_MEANINGS[self])

    @property
    def css_class(self) -> str:
        """A class name for the marking's colour (``tlp-amber-strict``)."""
        return "tlp-" + self.value.split(":", 1)[1].lower().replace("+", "-")

    @property
    def rank(self) -> int:
        return list(TLP).index(self)

    @classmethod
    def parse(cls, value: str | None) -> TLP | None:
        """A marking from its label, case and the ``TLP:`` prefix aside; None for empty."""
        if value is None or not value.strip():
            return None
        text = value.strip().upper()
        if not text.startswith("TLP:"):
            text = "TLP:" + text
        try:
            return cls(text)
        except ValueError:
            raise ValueError(f"unknown TLP marking {value!r}") from None


# Lazy: translated where they are shown. The labels themselves (FIRST's) stay as they are.
TLP_MEANINGS: dict[TLP, LazyString] = {
    TLP.CLEAR: _l("Disclosure is not limited."),
    TLP.GREEN: _l("Limited disclosure: recipients may share it within their community."),
    TLP.AMBER: _l(
        "Limited disclosure: recipients may share it only within their organisation "
        "and its clients, on a need-to-know basis."
    ),
    TLP.AMBER_STRICT: _l(
        "Limited disclosure: recipients may share it only within their own organisation. "
        "Never share it onwards."
    ),
    TLP.RED: _l("For the eyes and ears of the people present only. Never share it onwards."),
}

TLP_CHOICES: list[tuple[str, str]] = [(t.value, t.value) for t in TLP]

CHATHAM_HOUSE_LABEL = "Chatham House Rule"
CHATHAM_HOUSE_TEXT = _l(
    "Participants are free to use the information received, but neither the identity "
    "nor the affiliation of the speaker(s), nor that of any other participant, may be revealed."
)


def marking_labels(tlp: str | None, chatham_house: bool) -> list[str]:
    """The marking as the labels feeds and exports carry (categories, fields)."""
    labels = [tlp] if tlp else []
    if chatham_house:
        labels.append(CHATHAM_HOUSE_LABEL)
    return labels


def marking_text(labels: list[str]) -> str:
    """The labels as one line of text (``Marking: TLP:AMBER; Chatham House Rule``), or ""."""
    return _("Marking: %(labels)s", labels="; ".join(labels)) if labels else ""

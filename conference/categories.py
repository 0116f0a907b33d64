"""Stakeholder categories: who an attendee is, which decides where they may go."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class StakeholderCategory(StrEnum):
    """A category an attendee claims and an organiser verifies."""

    POLICY_MAKER = "policy_maker"
    PRACTITIONER = "practitioner"
    ACADEMIA = "academia"
    INDUSTRY = "industry"
    CIVIL_SOCIETY = "civil_society"
    MEMBER_STATE_EXPERT = "member_state_expert"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])

    @property
    def plural_label(self) -> str:
        return str(CATEGORY_PLURAL_LABELS[self])


# Lazy: each label is translated where it is shown, into that page's language.
CATEGORY_LABELS: dict[StakeholderCategory, LazyString] = {
    StakeholderCategory.POLICY_MAKER: _l("Policy maker"),
    StakeholderCategory.PRACTITIONER: _l(
        "Practitioner (law enforcement, border guard, first responder)"
    ),
    StakeholderCategory.ACADEMIA: _l("Academia"),
    StakeholderCategory.INDUSTRY: _l("Industry"),
    StakeholderCategory.CIVIL_SOCIETY: _l("Civil society"),
    StakeholderCategory.MEMBER_STATE_EXPERT: _l("Member State expert"),
}

CATEGORY_PLURAL_LABELS: dict[StakeholderCategory, LazyString] = {
    StakeholderCategory.POLICY_MAKER: _l("policy makers"),
    StakeholderCategory.PRACTITIONER: _l("practitioners"),
    StakeholderCategory.ACADEMIA: _l("academia"),
    StakeholderCategory.INDUSTRY: _l("industry"),
    StakeholderCategory.CIVIL_SOCIETY: _l("civil society"),
    StakeholderCategory.MEMBER_STATE_EXPERT: _l("Member State experts"),
}

CATEGORY_CHOICES: list[tuple[str, LazyString]] = [
    (c.value, CATEGORY_LABELS[c]) for c in StakeholderCategory
]


def parse_categories(values: list[str]) -> list[StakeholderCategory]:
    """Turn stored or imported category names into members, in a stable order."""
    wanted = {StakeholderCategory(v) for v in values}
    return [c for c in StakeholderCategory if c in wanted]


def category_label(value: str | None) -> str:
    """The label of a category value; an unknown value is shown as it is."""
    if not value:
        return ""
    try:
        return str(CATEGORY_LABELS[StakeholderCategory(value)])
    except ValueError:
        return value


def category_plural_label(value: str | None) -> str:
    """The plural label ("Member State experts") of a category value; unknown: as it is."""
    try:
        return str(CATEGORY_PLURAL_LABELS[StakeholderCategory(value or "")])
    except ValueError:
        return value or ""

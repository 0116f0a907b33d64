"""Stakeholder categories: who an attendee is, which decides where they may go."""

from __future__ import annotations

from enum import StrEnum


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
        return CATEGORY_LABELS[self]

    @property
    def plural_label(self) -> str:
        return CATEGORY_PLURAL_LABELS[self]


CATEGORY_LABELS: dict[StakeholderCategory, str] = {
    StakeholderCategory.POLICY_MAKER: "Policy maker",
    StakeholderCategory.PRACTITIONER: (
        "Practitioner (law enforcement, border guard, first responder)"
    ),
    StakeholderCategory.ACADEMIA: "Academia",
    StakeholderCategory.INDUSTRY: "Industry",
    StakeholderCategory.CIVIL_SOCIETY: "Civil society",
    StakeholderCategory.MEMBER_STATE_EXPERT: "Member State expert",
}

CATEGORY_PLURAL_LABELS: dict[StakeholderCategory, str] = {
    StakeholderCategory.POLICY_MAKER: "policy makers",
    StakeholderCategory.PRACTITIONER: "practitioners",
    StakeholderCategory.ACADEMIA: "academia",
    StakeholderCategory.INDUSTRY: "industry",
    StakeholderCategory.CIVIL_SOCIETY: "civil society",
    StakeholderCategory.MEMBER_STATE_EXPERT: "Member State experts",
}

CATEGORY_CHOICES: list[tuple[str, str]] = [(c.value, c.label) for c in StakeholderCategory]


def parse_categories(values: list[str]) -> list[StakeholderCategory]:
    """Turn stored or imported category names into members, in a stable order."""
    wanted = {StakeholderCategory(v) for v in values}
    return [c for c in StakeholderCategory if c in wanted]


def category_label(value: str | None) -> str:
    """The label of a category value; an unknown value is shown as it is."""
    if not value:
        return ""
    try:
        return CATEGORY_LABELS[StakeholderCategory(value)]
    except ValueError:
        return value


def category_plural_label(value: str | None) -> str:
    """The plural label ("Member State experts") of a category value; unknown: as it is."""
    try:
        return CATEGORY_PLURAL_LABELS[StakeholderCategory(value or "")]
    except ValueError:
        return value or ""

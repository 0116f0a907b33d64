"""Pure decisions about delegations and nominations (no database)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference.delegations.models import NominationState

# A plain shape check; the real proof is the confirmed account that accepts.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_QUOTA = 10_000

INVITED = NominationState.INVITED.value
ACCEPTED = NominationState.ACCEPTED.value
DECLINED = NominationState.DECLINED.value
EXPIRED = NominationState.EXPIRED.value
WITHDRAWN = NominationState.WITHDRAWN.value

# Why an invitation link cannot be used, by the nomination's state (as of now).
UNUSABLE_INVITATION = {
    ACCEPTED: _l("This invitation has already been used."),
    DECLINED: _l("You declined this invitation. Ask your national contact point to send it again."),
    EXPIRED: _l("This invitation has expired. Ask your national contact point to send a new one."),
    WITHDRAWN: _l("This invitation was withdrawn by your national contact point."),
}
UNKNOWN_INVITATION = _l("This invitation link is not valid. Check that you copied all of it.")


def new_invitation_secret() -> tuple[str, str]:
    """A fresh secret for the link, and the hash that is stored."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_plausible_email(email: str) -> bool:
    return len(email) <= 254 and EMAIL_PATTERN.match(email) is not None


def verification_basis(delegation_name: str, ncp_name: str, on: date) -> str:
    """What an accepted nomination's verification rests on, in the words the issue asks."""
    return f"nominated by {delegation_name}, NCP {ncp_name}, on {on.isoformat()}"


def session_quota_too_low_message(quota: int, booked: int) -> str:
    return _(
        "The delegation's nominees already hold %(booked)d place(s) in this session: its quota "
        "cannot go below %(booked)d. They must cancel bookings first to lower it to %(quota)d.",
        booked=booked,
        quota=quota,
    )


def quota_too_low_message(quota: int, accepted: int) -> str:
    return _(
        "%(accepted)d nominee(s) have already accepted: the quota cannot go below %(accepted)d. "
        "Withdraw nominations first to lower it to %(quota)d.",
        accepted=accepted,
        quota=quota,
    )


# --- CSV upload of nominees ----------------------------------------------------------------

MAX_CSV_ROWS = 500
NAME_COLUMNS = ("name", "full name", "full_name")
EMAIL_COLUMNS = ("email", "e-mail", "email address")


@dataclass
class NomineeRow:
    """One line of an uploaded file: what it says, and why it cannot be nominated (if so)."""

    line: int
    name: str
    email: str
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_nominee_csv(text: str) -> tuple[list[NomineeRow], str]:
    """Rows of a CSV file with a header naming "name" and "email" columns; or a file-wide error.

    Shape only (required, address format, duplicates within the file); the database's rules
    (already nominated, quota) are added by ``nominations.preview_nominees``.
    """
    text = text.lstrip("\ufeff")
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else "excel"
    except csv.Error:
        dialect = "excel"
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        return [], _("The file is empty.")
    names = [h.strip().lower() for h in header]
    name_at = next((names.index(c) for c in NAME_COLUMNS if c in names), None)
    email_at = next((names.index(c) for c in EMAIL_COLUMNS if c in names), None)
    if name_at is None or email_at is None:
        return [], _('The first line must name the columns, with at least "name" and "email".')
    rows: list[NomineeRow] = []
    seen: dict[str, int] = {}
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_CSV_ROWS:
            return [], _("At most %(num)d nominees per file.", num=MAX_CSV_ROWS)
        line = reader.line_num

        def cell(index: int, values: list[str] = values) -> str:
            return values[index].strip() if index < len(values) else ""

        row = NomineeRow(line, cell(name_at), normalise_email(cell(email_at)))
        if not row.name:
            row.errors.append(_("The name is missing."))
        elif len(row.name) > 200:
            row.errors.append(_("The name is longer than 200 characters."))
        if not is_plausible_email(row.email):
            row.errors.append(_("The email address is missing or not valid."))
        elif row.email in seen:
            row.errors.append(_("The same address is on line %(line)d.", line=seen[row.email]))
        else:
            seen[row.email] = line
        rows.append(row)
    if not rows:
        return [], _("The file has no nominee under its header line.")
    return rows, ""

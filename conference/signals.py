"""Signals one capability sends when something happened that others react to.

The sender owns the action; a capability higher in the layers (feeds, badges) listens, so
lower layers never import higher ones. Receivers are connected in ``create_app``, where
the wiring is visible, and run inside the sender's transaction (they add and flush; the
caller commits).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with ``user_ids``: accounts were created (sign-up, the CLI, the importer in bulk).
accounts_created = _signals.signal("accounts-created")

# Sent with ``user_ids``: their name, organisation or email changed (the profile page).
account_details_changed = _signals.signal("account-details-changed")

# Sent with ``event``, ``user`` and ``role``: a staff role was granted.
staff_role_granted = _signals.signal("staff-role-granted")

# Sent with ``registration_ids``: whether their category is verified changed (verified,
# withdrawn, refused, or cleared by a new claim). Badges are reissued, so that a printed
# category always means a verified one.
category_verification_changed = _signals.signal("category-verification-changed")

# Sent with ``registration`` while an approval mail is composed; each receiver returns a dict
# of extra context for the mail (the badge's and the personal calendar's addresses).
approval_mail_context = _signals.signal("approval-mail-context")

# Sent with ``registration`` and ``actor``: a registration was cancelled (by the attendee, an
# organiser or the system); delegations give the nominee's quota seat back.
registration_cancelled = _signals.signal("registration-cancelled")

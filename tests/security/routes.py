"""The authorisation matrix: for every endpoint and method, what each actor gets.

One row per endpoint: ``"blueprint.view": Row(GET=PROFILE, POST=PROFILE, ...)``. A profile maps
every actor (tests/security/world.py) to an outcome class; start from a named profile and
override with ``|``, e.g. ``ORGANISERS | {DOOR: OK}``. URL arguments come from the world by
their name (``DEFAULT_ARGS``) unless the row gives ``args``; POSTs send ``data`` (a form) or
``json``. test_authorisation_matrix.py fails for any route of the app without a row here.

Adding a route is one line, e.g. for the calendar feeds:

    "feeds.track_calendar": Row(GET=PUBLIC),
    "feeds.personal_calendar": Row(GET=PUBLIC | {...}, args={"token": lambda w: w.extra["feed"]}),

(a URL argument the world does not have yet: create the object in world.build_world and put
its value in ``extra``). The same rows drive the hostile-input and XSS tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.factories import PASSWORD
from tests.security.world import (
    ACTORS,
    ADMIN,
    APPROVED,
    DEVICE,
    DEVICE_OTHER,
    DOOR,
    DOOR_OTHER,
    EXPERT,
    LOGGED_IN,
    LOGGED_OUT,
    NCP,
    ORGANISER,
    ORGANISER_OTHER,
    PENDING,
    World,
)

# --- Outcome classes ------------------------------------------------------------------------
OK = "ok"  # 2xx, or a redirect anywhere but the login page
REFUSED = "refused"  # 400/409/422: allowed in, but this request breaks a rule (said in words)
LOGIN = "login"  # redirected to the login page
UNAUTHORISED = "401"
FORBIDDEN = "403"
HIDDEN = "404"  # answered exactly like a missing page


# The world's staff (and its NCP) all have TOTP (tests/factories.py: make_staff, make_user(admin=True)).
WITH_SECOND_FACTOR = (ADMIN, ORGANISER, ORGANISER_OTHER, DOOR, DOOR_OTHER, NCP)


def _all(outcome: str) -> dict[str, str]:
    return dict.fromkeys(ACTORS, outcome)


# --- Profiles -------------------------------------------------------------------------------
PUBLIC = _all(OK)
SIGNED_IN = _all(OK) | dict.fromkeys(LOGGED_OUT, LOGIN)
ORGANISERS = (
    SIGNED_IN | dict.fromkeys(LOGGED_IN, FORBIDDEN) | {ORGANISER: OK, ADMIN: OK}
)  # this event's organisers and site administrators
SCANNERS = ORGANISERS | {DOOR: OK}  # ... and this event's door staff
ADMINS = ORGANISERS | {ORGANISER: FORBIDDEN}
# An attendee's own badge: approved registrations only; anyone else is told it does not exist.
OWN_BADGE = SIGNED_IN | dict.fromkeys(LOGGED_IN, HIDDEN) | {APPROVED: OK, EXPERT: OK}
# The hidden session restricted to verified Member State experts: the experts and the event's
# staff see it; to everyone else it does not exist.
HIDDEN_SESSION = _all(HIDDEN) | {EXPERT: OK, ORGANISER: OK, DOOR: OK, ADMIN: OK}
# Booking it: experts may; the event's staff see it but hold no registration (403 in words).
BOOK_HIDDEN = (
    HIDDEN_SESSION
    | dict.fromkeys(LOGGED_OUT, LOGIN)
    | {ORGANISER: FORBIDDEN, DOOR: FORBIDDEN, ADMIN: FORBIDDEN}
)
# The check-in API: this event's device tokens and scanning staff; other logged-in people 403;
# no credentials 401; another event's device token 403.
API_SCANNERS = (
    dict.fromkeys(LOGGED_IN, FORBIDDEN)
    | {ORGANISER: OK, DOOR: OK, ADMIN: OK}
    | {"anonymous": UNAUTHORISED, DEVICE: OK, DEVICE_OTHER: FORBIDDEN}
)
API_ORGANISERS = API_SCANNERS | {DOOR: FORBIDDEN, DEVICE: FORBIDDEN}
# A delegation's pages: its national contact point and the event's organisers; to everyone
# else (another delegation's NCP included) it does not exist.
DELEGATION = SIGNED_IN | dict.fromkeys(LOGGED_IN, HIDDEN) | {ORGANISER: OK, ADMIN: OK, NCP: OK}
# Accepting an invitation: only the account holding the invited address (the pending attendee).
INVITED_ONLY = SIGNED_IN | dict.fromkeys(LOGGED_IN, FORBIDDEN) | {PENDING: OK}
REGISTERED = SIGNED_IN | dict.fromkeys(LOGGED_IN, REFUSED) | {PENDING: OK, APPROVED: OK, EXPERT: OK}


@dataclass(frozen=True)
class Row:
    """What each actor gets, per method, and what to send."""

    GET: dict[str, str] | None = None
    POST: dict[str, str] | None = None
    args: dict[str, Callable[[World], Any]] = field(default_factory=dict)
    data: Callable[[World], dict] | None = None
    json: Callable[[World], Any] | None = None
    query: dict[str, str] = field(default_factory=dict)

    def methods(self) -> dict[str, dict[str, str]]:
        return {m: p for m, p in (("GET", self.GET), ("POST", self.POST)) if p is not None}


DEFAULT_ARGS: dict[str, Callable[[World], Any]] = {
    "slug": lambda w: w.event.slug,
    "session_id": lambda w: w.restricted_session.id,
    "speaker_id": lambda w: w.speaker.id,
    "registration_id": lambda w: w.approved.id,
    "kind": lambda w: "rooms",
    "item_id": lambda w: w.room.id,
    "public_id": lambda w: w.badge.public_id,
    "device_id": lambda w: w.spare_device_id,
    "key_id": lambda w: w.key_id,
    "action": lambda w: "verify",
    "filename": lambda w: "css/site.css",
    "track_id": lambda w: w.track.id,
    "room_id": lambda w: w.room.id,
    "delegation_id": lambda w: w.extra["delegation"],
    "nomination_id": lambda w: w.extra["nomination"],
}


def _feed_token(w: World, actor: str, *, staff: bool) -> str:
    """The actor's current personal (or this event's staff) calendar token."""
    from conference.accounts.models import User
    from conference.events.models import Event
    from conference.extensions import db
    from conference.feeds.models import FeedKind
    from conference.feeds.services import get_or_create_token

    user = db.session.get(User, w.users[actor].id)
    event = db.session.get(Event, w.event.id) if staff else None
    token = get_or_create_token(user, FeedKind.STAFF if staff else FeedKind.PERSONAL, event).token
    db.session.commit()
    return token


def _event_form(w: World) -> dict:
    e = w.event
    return {
        "title": "Renamed event",
        "slug": e.slug,
        "kind": e.kind,
        "timezone": e.timezone,
        "start_date": e.start_date.isoformat(),
        "end_date": e.end_date.isoformat(),
        "registration_mode": e.registration_mode,
        "privacy_notice_version": "1",
        "submit": "Save event",
    }


def _clone_form(w: World) -> dict:
    from datetime import timedelta

    return {
        "slug": "next-edition",
        "start_date": (w.event.start_date + timedelta(days=728)).isoformat(),
        "copy_rooms": "y",
        "copy_sessions": "y",
        "submit": "Create the new edition",
    }


def _session_form(w: World) -> dict:
    return {
        "title": "Edited briefing",
        "kind": "talk",
        "day": w.event.start_date.isoformat(),
        "start_time": "16:00",
        "end_time": "17:00",
        "room": str(w.room.id),
        "track": "",
        "restricted_to": "member_state_expert",
        "restricted_visibility": "hidden",
        "status": "scheduled",
        "submit": "Save session",
    }


def _scan(w: World) -> dict:
    return {"code": w.badge.token, "checkpoint": "entrance"}


ROUTES: dict[str, Row] = {
    # Public pages and exports
    "static": Row(GET=PUBLIC),
    "events.home": Row(GET=PUBLIC),
    # Calendar feeds: a secret address is the capability (calendar apps cannot log in).
    "feeds.event_calendar": Row(GET=PUBLIC),
    "feeds.track_calendar": Row(GET=PUBLIC, args={"track_id": lambda w: w.track.id}),
    "feeds.room_calendar": Row(GET=PUBLIC, args={"room_id": lambda w: w.room.id}),
    "feeds.session_calendar": Row(GET=HIDDEN_SESSION),
    "feeds.personal_calendar": Row(GET=PUBLIC, args={"token": lambda w: _feed_token(w, EXPERT, staff=False)}),
    "feeds.staff_calendar": Row(GET=PUBLIC, args={"token": lambda w: _feed_token(w, ORGANISER, staff=True)}),
    "feeds.rotate_personal": Row(POST=SIGNED_IN),
    "feeds.rotate_staff": Row(POST=ORGANISERS),
    "events.event_detail": Row(GET=PUBLIC),
    "agenda.agenda": Row(GET=PUBLIC),
    "agenda.agenda_json": Row(GET=PUBLIC),
    "agenda.schedule_xml": Row(GET=PUBLIC),
    "agenda.agenda_pdf": Row(GET=PUBLIC),
    "agenda.speakers": Row(GET=PUBLIC),
    "agenda.speaker_detail": Row(GET=PUBLIC),
    "agenda.session_detail": Row(GET=HIDDEN_SESSION),
    # Accounts
    "accounts.signup": Row(GET=PUBLIC, POST=PUBLIC, data=lambda w: {"name": "New Person", "email": "new@example.org", "password": "a long enough password", "confirm": "a long enough password"}),
    "accounts.login": Row(GET=PUBLIC, POST=PUBLIC, data=lambda w: {"email": "pending@example.org", "password": PASSWORD}),
    "accounts.logout": Row(POST=PUBLIC),
    "languages.choose": Row(POST=PUBLIC, data=lambda w: {"language": "fr", "next": "/"}),
    # Sign-in with a provider is off in the world (no issuer): missing for everyone.
    # tests/accounts/test_oidc.py runs the whole flow against a provider on loopback.
    "oidc.login": Row(POST=_all(HIDDEN)),
    "oidc.callback": Row(GET=_all(HIDDEN)),
    "accounts.verify_email": Row(GET=PUBLIC, args={"token": lambda w: w.verify_token}),
    "accounts.resend_verification": Row(POST=SIGNED_IN),
    "accounts.request_reset": Row(GET=PUBLIC, POST=PUBLIC, data=lambda w: {"email": "pending@example.org"}),
    "accounts.reset_password": Row(GET=PUBLIC, POST=PUBLIC, args={"token": lambda w: w.reset_token}, data=lambda w: {"password": "a brand new password", "confirm": "a brand new password"}),
    "accounts.profile": Row(GET=SIGNED_IN, POST=SIGNED_IN, data=lambda w: {"name": "Renamed Person", "submit": "Save profile"}),
    "accounts.change_password": Row(POST=SIGNED_IN, data=lambda w: {"pw-current_password": PASSWORD, "pw-password": "another long password", "pw-confirm": "another long password"}),
    # Two-factor sign-in: set-up pages for the signed-in; the second step of a log-in sends
    # anyone without a pending log-in back to the login page, the signed-in onwards.
    "two_factor.settings": Row(GET=SIGNED_IN),
    "two_factor.setup": Row(GET=SIGNED_IN, POST=SIGNED_IN),
    "two_factor.confirm": Row(POST=SIGNED_IN, data=lambda w: {"code": "000000"}),
    "two_factor.regenerate_codes": Row(POST=SIGNED_IN, data=lambda w: {"code": "000000"}),
    "two_factor.disable": Row(POST=SIGNED_IN, data=lambda w: {"code": "000000"}),
    "two_factor.verify": Row(GET=PUBLIC, POST=PUBLIC, data=lambda w: {"code": "000000"}),
    "two_factor.recover": Row(GET=PUBLIC, POST=PUBLIC, data=lambda w: {"code": "aaaa-bbbb-cccc-dddd"}),
    # Sessions: one's own list; another's session is answered as missing.
    "account_sessions.listing": Row(GET=SIGNED_IN),
    "account_sessions.revoke": Row(POST=SIGNED_IN | dict.fromkeys(LOGGED_IN, HIDDEN) | {ORGANISER: OK}, args={"session_id": lambda w: w.extra["organiser_session_id"]}),
    "account_sessions.logout_everywhere": Row(POST=SIGNED_IN),
    # The password alone: enough for attendees; staff (with a second factor) need the code too.
    "account_sessions.confirm": Row(GET=SIGNED_IN, POST=SIGNED_IN | dict.fromkeys(WITH_SECOND_FACTOR, UNAUTHORISED), data=lambda w: {"password": PASSWORD}),
    "registration.data_export": Row(GET=SIGNED_IN),
    "registration.delete_account": Row(GET=SIGNED_IN, POST=SIGNED_IN, data=lambda w: {"password": PASSWORD, "confirm": "y"}),
    # Site administration
    "admin.index": Row(GET=ADMINS),
    "admin.security_log": Row(GET=ADMINS),
    "admin.create_event": Row(GET=ADMINS, POST=ADMINS, data=lambda w: _event_form(w) | {"slug": "brand-new"}),
    # Attendees: registration, bookings, badges, own agenda
    "registration.register": Row(GET=SIGNED_IN, POST=SIGNED_IN | {PENDING: REFUSED, APPROVED: REFUSED, EXPERT: REFUSED}, data=lambda w: {"category": "academia", "organisation": "Uni", "country": "BE", "privacy_consent": "y"}),
    "registration.my_registration": Row(GET=SIGNED_IN),
    # Destructive actions: GET shows the confirmation page; the POST acts only with confirm=yes
    # (issue 15). Without a registration to cancel, both go back to "Your registration".
    "registration.cancel": Row(GET=SIGNED_IN, POST=SIGNED_IN, data=lambda w: {"confirm": "yes"}),
    "registration.book": Row(POST=BOOK_HIDDEN | {EXPERT: REFUSED}),  # the expert holds its seat already
    "registration.unbook": Row(GET=BOOK_HIDDEN, POST=BOOK_HIDDEN, data=lambda w: {"confirm": "yes"}),
    # A seat offer's one-click link stands for the person it was mailed to, signed in or not.
    "registration.seat_offer": Row(GET=PUBLIC, POST=PUBLIC, args={"token": lambda w: w.extra["offer"]}, data=lambda w: {"decline": "Decline"}),
    "agenda.my_agenda": Row(GET=SIGNED_IN),
    "agenda.my_agenda_pdf": Row(GET=SIGNED_IN),
    "badges.my_badge": Row(GET=OWN_BADGE),
    "badges.my_badge_pdf": Row(GET=OWN_BADGE),
    "badges.my_badge_png": Row(GET=OWN_BADGE),
    "badges.my_badge_svg": Row(GET=OWN_BADGE),
    # Organisers: the event and its staff
    "events.manage": Row(GET=ORGANISERS, POST=ORGANISERS, data=_event_form),
    "events.set_published": Row(POST=ORGANISERS),
    "events.staff": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"email": "pending@example.org", "role": "door_staff"}),
    "editions.clone": Row(GET=ORGANISERS, POST=ORGANISERS, data=_clone_form),
    "editions.cloned": Row(GET=ORGANISERS),
    "editions.series_detail": Row(GET=PUBLIC, args={"series_slug": lambda w: w.extra["series_slug"]}),
    "events.remove_staff": Row(POST=ORGANISERS, data=lambda w: {"user_id": str(w.users[DOOR].id), "role": "door_staff", "confirm": "yes"}),
    # Organisers: the agenda
    "agenda_manage.timetable": Row(GET=ORGANISERS),
    "agenda_manage.changes": Row(GET=ORGANISERS),
    "agenda_manage.session_new": Row(GET=ORGANISERS, POST=ORGANISERS, data=_session_form),
    "agenda_manage.session_edit": Row(GET=ORGANISERS, POST=ORGANISERS, data=_session_form),
    "agenda_manage.session_cancel": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"confirm": "yes"}),
    "agenda_import.upload_file": Row(GET=ORGANISERS, POST=ORGANISERS | {ORGANISER: REFUSED, ADMIN: REFUSED}),
    "agenda_import.preview": Row(GET=ORGANISERS, args={"public_id": lambda w: w.extra["agenda_upload"]}),
    "agenda_import.confirm": Row(POST=ORGANISERS, args={"public_id": lambda w: w.extra["agenda_upload"]}),
    # Session documents (issue 19): a TLP:AMBER document of the hidden restricted session.
    "documents.download": Row(GET=HIDDEN_SESSION, args={"document_id": lambda w: w.extra["document"]}),
    "documents_manage.session_documents": Row(GET=ORGANISERS, POST=ORGANISERS | {ORGANISER: REFUSED, ADMIN: REFUSED}, data=lambda w: {"title": "Slides", "tlp": "TLP:GREEN"}),
    "documents_manage.upload_version": Row(POST=ORGANISERS | {ORGANISER: REFUSED, ADMIN: REFUSED}, args={"document_id": lambda w: w.extra["document"]}),
    "documents_manage.downloads": Row(GET=ORGANISERS, args={"document_id": lambda w: w.extra["document"]}),
    "agenda_catalogue.listing": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"name": "Room B", "capacity": "30"}),
    "agenda_catalogue.edit": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"name": "Room A2", "capacity": "45"}),
    "agenda_catalogue.delete": Row(GET=ORGANISERS, POST=ORGANISERS, args={"kind": lambda w: "tracks", "item_id": lambda w: w.track.id}, data=lambda w: {"confirm": "yes"}),
    # Organisers: registrations, seats, exports, audit
    "registration_manage.manage_list": Row(GET=ORGANISERS),
    "registration_manage.manage_csv": Row(GET=ORGANISERS),
    "registration_manage.manage_detail": Row(GET=ORGANISERS),
    "registration_manage.manage_action": Row(POST=ORGANISERS),
    "registration_manage.manage_cancel": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"confirm": "yes"}),
    "registration_manage.manage_unverify": Row(GET=ORGANISERS, POST=ORGANISERS, args={"registration_id": lambda w: w.expert.id}, data=lambda w: {"confirm": "yes"}),
    "registration_manage.manage_bulk": Row(POST=ORGANISERS, data=lambda w: {"ids": str(w.pending.id), "action": "approve"}),
    "registration_manage.manage_fill_places": Row(POST=ORGANISERS),
    "registration_manage.manage_sessions": Row(GET=ORGANISERS),
    "registration_manage.manage_waitlist": Row(GET=ORGANISERS, POST=ORGANISERS),
    "registration_manage.attendance_csv": Row(GET=ORGANISERS),
    "registration_manage.manage_audit": Row(GET=ORGANISERS),
    # Organisers: badges, keys, devices, check-in log
    "badges.manage_badges": Row(GET=ORGANISERS),
    "badges.issue_badges": Row(POST=ORGANISERS),
    "badges.print_badges": Row(GET=ORGANISERS),
    "badges.start_print_job": Row(POST=ORGANISERS, data=lambda w: {"layout": "a4"}),
    "jobs.job_status": Row(GET=ORGANISERS, args={"public_id": lambda w: w.extra["job"]}),
    "jobs.job_file": Row(GET=ORGANISERS, args={"public_id": lambda w: w.extra["job"]}),
    "badges.badge_pdf": Row(GET=ORGANISERS),
    "badges.reissue_badge": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"confirm": "yes"}),
    "badges.revoke_badge": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"confirm": "yes"}),
    "badges.keys": Row(GET=ORGANISERS),
    "badges.rotate_key": Row(POST=ORGANISERS),
    "badges.revoke_key": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"confirm": "yes"}),
    "badges.devices": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"name": "Door 2"}),
    "badges.revoke_device": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"confirm": "yes"}),
    "checkin.checkins": Row(GET=ORGANISERS),
    "dashboard.dashboard": Row(GET=ORGANISERS),
    "mailings.compose": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"status": "approved", "subject": "Hi {name}", "body": "Hello {name}", "preview": "y"}),
    "mailings.mailing": Row(GET=ORGANISERS, args={"mailing_id": lambda w: w.extra["mailing"]}),
    "checkin.checkins_csv": Row(GET=ORGANISERS),
    # Door staff: the scanner page
    "checkin.scanner": Row(GET=SCANNERS, POST=SCANNERS, data=_scan),
    "checkin.manual_check_in": Row(POST=SCANNERS, data=lambda w: {"checkpoint": "entrance", "registration": str(w.approved.id)}),
    # The check-in JSON API (device tokens, or a scanning staff login)
    "badges_api.create_checkin": Row(POST=API_SCANNERS, json=_scan),
    "badges_api.create_checkins_batch": Row(POST=API_SCANNERS, json=lambda w: {"scans": [_scan(w)]}),
    "badges_api.create_manual_checkin": Row(POST=API_SCANNERS, json=lambda w: {"registration": w.approved.id, "checkpoint": "entrance"}),
    "badges_api.list_checkpoints": Row(GET=API_SCANNERS),
    "badges_api.list_keys": Row(GET=API_SCANNERS),
    "badges_api.list_revocations": Row(GET=API_SCANNERS),
    "badges_api.list_attendees": Row(GET=API_SCANNERS),
    "badges_api.checkin_stats": Row(GET=API_ORGANISERS),
    "dashboard.dashboard_json": Row(GET=API_ORGANISERS),
    "mailings.mailing_progress": Row(GET=API_ORGANISERS, args={"mailing_id": lambda w: w.extra["mailing"]}),
    # Delegations (issue 17): an NCP's own delegation; organisers see and define them all.
    "delegations.my_delegations": Row(GET=DELEGATION),
    "delegations.dashboard": Row(GET=DELEGATION),
    "delegations.nominate": Row(POST=DELEGATION, data=lambda w: {"name": "New Expert", "email": "new.expert@example.org"}),
    "delegations.resend": Row(POST=DELEGATION),
    # No file sent: those let in are told to choose one (422).
    "delegations.upload": Row(GET=DELEGATION, POST=DELEGATION | {NCP: REFUSED, ORGANISER: REFUSED, ADMIN: REFUSED}),
    "delegations.confirm_upload": Row(POST=DELEGATION, data=lambda w: {"rows": '[[2, "Carla Csv", "carla.csv@example.org"]]'}),
    "delegations.withdraw": Row(GET=DELEGATION, POST=DELEGATION, data=lambda w: {"confirm": "yes"}),
    "delegations.invitation": Row(GET=PUBLIC, args={"token": lambda w: w.extra["invitation"]}),
    "delegations.accept_invitation": Row(POST=INVITED_ONLY, args={"token": lambda w: w.extra["invitation"]}, data=lambda w: {"privacy_consent": "y"}),
    "delegations.decline_invitation": Row(POST=PUBLIC, args={"token": lambda w: w.extra["invitation"]}),
    "delegations_manage.listing": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"name": "France", "kind": "member_state", "country": "FR", "category": "member_state_expert", "quota": "2"}),
    "delegations_manage.edit": Row(GET=ORGANISERS, POST=ORGANISERS, data=lambda w: {"name": "Belgium", "kind": "member_state", "country": "BE", "category": "member_state_expert", "quota": "4"}),
    "delegations_manage.appoint": Row(POST=ORGANISERS, data=lambda w: {"email": "pending@example.org"}),
    "delegations_manage.session_quota": Row(POST=ORGANISERS, data=lambda w: {"session": str(w.restricted_session.id), "quota": "3"}),
    "delegations_manage.remove_contact": Row(POST=ORGANISERS, data=lambda w: {"user_id": str(w.users[NCP].id), "confirm": "yes"}),
}  # fmt: skip

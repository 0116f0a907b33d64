"""Organisers' CSV exports: the registrant list and each session's attendance list.

Written for people first: statuses in words and times as the event's wall-clock
time; the status code and the UTC ISO 8601 times stay in columns of their own for
scripts.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference.agenda.models import AgendaSession
from conference.categories import category_label
from conference.countries import country_name
from conference.csv_export import local_time, to_csv
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Registration, registration_status_label
from conference.registration.queries import (
    RegistrantFilters,
    registrants_query,
    session_bookings,
)


def registrant_header(event: Event) -> list[str]:
    zone = event.timezone
    return [
        _("Registration id"),
        _("Name"),
        _("Email"),
        _("Organisation"),
        _("Job title"),
        _("Country"),
        _("Stakeholder category"),
        _("Category verified"),
        _("Status"),
        _("Event waiting-list position"),
        _("Registered (%(zone)s)", zone=zone),
        _("Accessibility needs"),
        _("Dietary needs"),
        _("CERIS mailing list"),
        _("Privacy notice version"),
        _("Consented (%(zone)s)", zone=zone),
        # For scripts: the status code and UTC times in ISO 8601.
        _("Status code"),
        _("Registered at (UTC)"),
        _("Consented at (UTC)"),
    ]


def registrants_csv(event: Event, filters: RegistrantFilters | None = None) -> bytes:
    """Every registration of the event (or those matching the filters)."""
    rows = db.session.scalars(registrants_query(event, filters or RegistrantFilters())).unique()
    tz = event.tz
    return to_csv(
        registrant_header(event),
        (
            [
                r.id,
                r.user.name,
                r.user.email,
                r.organisation,
                r.job_title,
                country_name(r.country),
                category_label(r.category),
                r.category_verified,
                registration_status_label(r.status),
                r.waitlist_position,
                local_time(r.created_at, tz),
                r.accessibility_needs,
                r.dietary_needs,
                r.mailing_list_opt_in,
                r.privacy_consent_version,
                local_time(r.privacy_consented_at, tz),
                r.status,
                r.created_at,
                r.privacy_consented_at,
            ]
            for r in rows
        ),
    )


ATTENDANCE_HEADER = [
    _l("Session"),
    _l("Booking"),
    _l("Waiting-list position"),
    _l("Name"),
    _l("Email"),
    _l("Organisation"),
    _l("Country"),
    _l("Stakeholder category"),
    _l("Category verified"),
    _l("Accessibility needs"),
    _l("Dietary needs"),
]


def attendance_csv(session: AgendaSession) -> bytes:
    """Seat holders, then the waiting list in order, of one session."""
    rows = []
    rank = 0
    for booking in session_bookings(session):
        r: Registration = booking.registration
        rank += booking.is_waitlisted
        rows.append(
            [
                session.title,
                _("confirmed")
                if booking.is_confirmed
                else (_("seat offered") if booking.is_offered else _("waiting list")),
                rank if booking.is_waitlisted else None,
                r.user.name,
                r.user.email,
                r.organisation,
                country_name(r.country),
                category_label(r.category),
                r.category_verified,
                r.accessibility_needs,
                r.dietary_needs,
            ]
        )
    return to_csv(ATTENDANCE_HEADER, rows)

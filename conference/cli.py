"""Thin `flask` commands: parse, call services, commit, echo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app

from conference.errors import DomainError, ImportValidationError
from conference.extensions import db


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("demo")
@click.option("--force", is_flag=True, help="Seed even in production mode.")
def demo_command(force: bool) -> None:
    """Seed the demo events and one login per role (idempotent)."""
    from conference.demo import seed_demo

    if current_app.config["ENV"] == "production" and not force:
        _fail("the demo creates accounts with a published password; use --force in production.")
    logins = seed_demo()
    db.session.commit()
    click.echo(
        "Demo events: flagship-2027 (and its past edition flagship-2025), "
        "ceris-border-2027, ceris-resilience-2027"
    )
    click.echo(f"Logins (password for all: {logins[0].password}):")
    for login in logins:
        click.echo(f"  {login.email:<28} {login.role}")
    secret = next(login.totp_secret for login in logins if login.totp_secret)
    click.echo(
        f"Staff logins ask for a second factor: add the TOTP key {secret} to an authenticator "
        "app, or run `flask demo-codes` for the current codes."
    )


@click.command("demo-codes")
def demo_codes_command() -> None:
    """Print the current TOTP codes of the demo staff accounts (not in production)."""
    from conference.demo import demo_staff_codes

    if current_app.config["ENV"] == "production":
        _fail("the demo's second-factor codes are for development only.")
    for email, code in demo_staff_codes():
        click.echo(f"  {email:<28} {code}")


@click.command("import-event")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def import_event_command(path: Path) -> None:
    """Create or update an event from a workload JSON file; prints its slug."""
    from conference.workload.importer import import_event

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except UnicodeDecodeError as error:
        _fail(f"{path}: not UTF-8 text ({error.reason})")
    except json.JSONDecodeError as error:
        _fail(f"{path}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}")
    try:
        report = import_event(document)
    except ImportValidationError as error:
        db.session.rollback()
        click.echo(f"Error: {path} is not a valid event file; nothing was imported.", err=True)
        for json_path, message in error.errors:
            click.echo(f"  {json_path}: {message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(report.slug)
    verb = "created" if report.created else "updated"
    details = ", ".join(f"{value} {key}" for key, value in report.counts.items())
    click.echo(f"Event {report.slug} {verb}: {details}", err=True)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)


@click.command("export-event")
@click.argument("slug")
@click.option(
    "--public",
    is_flag=True,
    help="Only what anonymous visitors see (restricted sessions closed or left out).",
)
def export_event_command(slug: str, public: bool) -> None:
    """Print an event's agenda as JSON that import-event reads back (docs/agenda-json.md)."""
    from conference.agenda.exports import export_agenda_json
    from conference.events.services import get_event

    event = get_event(slug)
    if event is None:
        _fail(f"no event with slug {slug}")
    document = export_agenda_json(event, viewer=None, everything=not public)
    click.echo(json.dumps(document, ensure_ascii=False, indent=1))


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--admin", is_flag=True, help="Make the user a site administrator.")
def create_user_command(email: str, name: str, password: str, admin: bool) -> None:
    """Create a user account (email already confirmed)."""
    from conference.accounts.services import create_user

    try:
        user = create_user(email, name, password, is_admin=admin, email_verified=True)
    except DomainError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created {'administrator' if admin else 'user'} {user.email}")


@click.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice(["organiser", "door-staff", "ncp"]))
@click.option("--event", "slug", required=True, help="The event's short name (slug).")
@click.option("--delegation", help="For ncp: the delegation's name at that event.")
def grant_command(email: str, role: str, slug: str, delegation: str | None) -> None:
    """Give a user the organiser, door-staff or national-contact-point (ncp) role at an event."""
    from conference.accounts.services import get_user_by_email
    from conference.events.services import get_event, grant_role
    from conference.permissions import is_staff_without_second_factor

    user = get_user_by_email(email)
    if user is None:
        _fail(f"no user with email {email}")
    event = get_event(slug)
    if event is None:
        _fail(f"no event with slug {slug}")
    if role == "ncp":
        from conference.delegations.services import appoint_contact, find_delegation_by_name

        found = find_delegation_by_name(event, delegation or "")
        if found is None:
            _fail(f"no delegation named {delegation!r} at {event.slug} (give --delegation)")
        appoint_contact(found, user, actor=None)
        db.session.commit()
        click.echo(f"{user.email} is national contact point of {found.name} at {event.slug}")
        return
    grant_role(event, user, role.replace("-", "_"), actor=None)
    db.session.commit()
    click.echo(f"{user.email} is {role} of {event.slug}")
    if is_staff_without_second_factor(user):
        click.echo("Note: the role works once they set up two-factor sign-in (their profile).")


@click.command("send-mail")
@click.option(
    "--all", "send_all", is_flag=True, help="Also retry messages whose retry time is not yet due."
)
def send_mail_command(send_all: bool) -> None:
    """Deliver queued mail (run it from cron or a timer)."""
    from conference.mail.services import deliver_outbox, pending_count

    total_sent = total_failed = 0
    while True:
        sent, failed = deliver_outbox(limit=100, include_not_due=send_all)
        total_sent += sent
        total_failed += failed
        if sent == 0:
            break
    click.echo(f"Sent {total_sent}, failed {total_failed}, still queued {pending_count()}")
    if total_failed:
        sys.exit(1)


@click.command("send-change-notices")
@click.option(
    "--now", "now", is_flag=True, help="Do not wait for the quiet period after the last change."
)
def send_change_notices_command(now: bool) -> None:
    """Tell attendees about changes to their sessions (the task worker does it every minute)."""
    from conference.notices.services import send_change_notices

    run = send_change_notices(wait=not now)
    click.echo(
        f"Announced {run.change_sets} change set(s) of {run.sessions} session(s): "
        f"{run.mails} mail(s) queued (`flask send-mail` delivers them)"
    )
    if run.failed:
        click.echo(
            f"Failed for event id(s) {run.failed}; they stay pending (see the log)", err=True
        )
        sys.exit(1)


@click.command("clone-event")
@click.argument("source_slug", metavar="SLUG")
@click.option("--slug", "new_slug", required=True, help="Short name of the new edition.")
@click.option("--start", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--end", "end", type=click.DateTime(["%Y-%m-%d"]), help="Default: same length.")
@click.option("--title", help="Default: the title with its year changed.")
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(["settings", "rooms", "tracks", "speakers", "sessions"]),
    help="A part not to copy (repeatable); everything else is copied.",
)
def clone_event_command(source_slug, new_slug, start, end, title, skip) -> None:
    """Create the next edition of an event as a draft (docs/editions.md)."""
    from conference.editions.cloning import PARTS, CloneRequest, clone_event
    from conference.events.services import get_event

    source = get_event(source_slug)
    if source is None:
        _fail(f"no event with slug {source_slug}")
    request = CloneRequest(
        slug=new_slug,
        start_date=start.date(),
        end_date=end.date() if end else None,
        title=title,
        parts=frozenset(PARTS) - set(skip),
    )
    try:
        report = clone_event(source, request, actor=None)
    except DomainError as error:
        db.session.rollback()
        _fail(f"{error.message} Nothing was created.")
    db.session.commit()
    click.echo(report.event.slug)
    details = ", ".join(f"{count} {part}" for part, count in report.counts.items())
    click.echo(f"Cloned {source.slug} into draft {report.event.slug}: {details}", err=True)


@click.command("create-series")
@click.argument("slug")
@click.option("--title", required=True, help="The series' title.")
@click.option("--event", "events", multiple=True, help="An event to put in it (repeatable).")
def create_series_command(slug: str, title: str, events: tuple[str, ...]) -> None:
    """Create a series of editions (or add events to an existing one)."""
    from conference.editions.series import create_series, get_series, set_series
    from conference.events.services import get_event

    series = get_series(slug)
    try:
        series = series or create_series(slug, title, actor=None)
    except DomainError as error:
        db.session.rollback()
        _fail(error.message)
    for event_slug in events:
        event = get_event(event_slug)
        if event is None:
            db.session.rollback()
            _fail(f"no event with slug {event_slug}; nothing was changed")
        set_series(event, series, actor=None)
    db.session.commit()
    click.echo(f"Series {series.slug}: {len(events)} event(s) added")


@click.command("erase-expired")
@click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    help="Act as if it were this UTC date (to check a schedule); default: now.",
)
def erase_expired_command(now) -> None:
    """Warn organisers, then erase registrants' personal data of events past retention."""
    from datetime import UTC

    from conference.db_types import utcnow
    from conference.editions.retention import erase_expired, erasure_date, warn_before_erasure

    moment = now.replace(tzinfo=UTC) if now else utcnow()
    warned = warn_before_erasure(moment)
    erased = erase_expired(moment)
    db.session.commit()
    for event in warned:
        click.echo(f"Warned organisers of {event.slug}: erasure on {erasure_date(event)}")
    for erasure in erased:
        count = erasure.registrations
        click.echo(f"Erased personal data of {erasure.event.slug}: {count} registration(s)")
    click.echo(f"{len(warned)} event(s) warned, {len(erased)} erased")


@click.command("expire-seat-offers")
def expire_seat_offers_command() -> None:
    """Pass unanswered seat offers to the next in line (the task worker does it every minute)."""
    from conference.registration.offer_replies import expire_due_offers

    total = 0
    while expired := expire_due_offers():
        total += expired
    click.echo(f"{total} seat offer(s) expired")


@click.group("tasks")
def tasks_group() -> None:
    """The task queue: mail delivery and organisers' print files and exports."""


@tasks_group.command("worker")
@click.option("--workers", default=2, show_default=True, help="Tasks run at once (threads).")
def tasks_worker_command(workers: int) -> None:
    """Run the task worker (production; `make run` has one inside the server)."""
    from conference.tasks.queue import task_queue

    queue = task_queue()
    click.echo(
        f"Task worker on {type(queue.huey).__name__} {queue.huey.name!r}, {workers} thread(s)"
    )
    queue.consumer(workers=workers).run()


def register_commands(app: Flask) -> None:
    for command in (
        demo_command,
        demo_codes_command,
        import_event_command,
        export_event_command,
        create_user_command,
        grant_command,
        expire_seat_offers_command,
        send_mail_command,
        send_change_notices_command,
        clone_event_command,
        create_series_command,
        erase_expired_command,
        tasks_group,
    ):
        app.cli.add_command(command)

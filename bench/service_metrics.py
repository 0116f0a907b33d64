"""Metrics timed at the service layer: booking throughput, last-seat contention, badge PDFs."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bench.stats import Result

if TYPE_CHECKING:
    from bench.scenarios import BenchRun


def run_all(run: BenchRun) -> list[Result]:
    return [
        registration_with_booking(run),
        last_seat_contention(run),
        *badge_pdfs(run),
    ]


def _open_sessions(run: BenchRun, count: int):
    from conference.agenda.models import AgendaSession
    from conference.extensions import db

    return list(
        db.session.scalars(
            select(AgendaSession)
            .where(AgendaSession.event_id == run.event.id, AgendaSession.restricted_to == [])
            .order_by(AgendaSession.starts_at)
            .limit(count)
        )
    )


def registration_with_booking(run: BenchRun) -> Result:
    """A new attendee registers (approved at once) and books three sessions, one commit each."""
    from conference.accounts.services import create_user
    from conference.events.models import Event
    from conference.extensions import db
    from conference.registration import booking, services

    n = 5 if run.quick else 200
    event = db.session.get(Event, run.event.id)
    event.registration_mode = "automatic"
    db.session.commit()
    # Three sessions at different times, so the bookings do not overlap.
    sessions: list = []
    for session in _open_sessions(run, 200):
        if all(session.starts_at >= s.ends_at or session.ends_at <= s.starts_at for s in sessions):
            sessions.append(session)
        if len(sessions) == 3:
            break
    samples = []
    for i in range(n):
        user = create_user(
            f"bench-reg-{i}@example.org", f"Bench Registrant {i}", None, email_verified=True
        )
        db.session.commit()
        started = time.perf_counter()
        registration = services.register(
            event,
            user,
            services.RegistrationDetails(
                category="academia", organisation="Bench", country="BE", privacy_consent=True
            ),
        )
        for session in sessions:
            booking.book_session(registration, session, actor=user)
        db.session.commit()
        samples.append((time.perf_counter() - started) * 1000)
    total_s = sum(samples) / 1000
    return Result(
        "registration + 3 bookings",
        run.name,
        "service",
        samples,
        note=f"{n / total_s:,.0f} registrations/s, one at a time",
    )


def last_seat_contention(run: BenchRun) -> Result:
    """40 approved attendees book the same 10-seat session at once, from 8 threads."""
    from conference.accounts.services import create_user
    from conference.agenda.models import AgendaSession
    from conference.extensions import db
    from conference.registration import booking
    from conference.registration.models import Booking, Registration
    from conference.registration.moderation import enrol

    contenders = 8 if run.quick else 40
    seats = 3 if run.quick else 10
    session = _open_sessions(run, 200)[-1]
    session.capacity = session.confirmed_count + seats
    session.requires_booking = True
    db.session.commit()
    registrations = []
    for i in range(contenders):
        user = create_user(
            f"bench-seat-{i}@example.org", f"Bench Seat {i}", None, email_verified=True
        )
        registrations.append(enrol(run.event, user, category="academia", actor=None).id)
    db.session.commit()
    session_id = session.id
    before = session.confirmed_count
    errors: list[BaseException] = []
    queue = list(registrations)
    lock = threading.Lock()

    def worker() -> None:
        with run.app.app_context():
            while True:
                with lock:
                    if not queue:
                        return
                    registration_id = queue.pop()
                try:
                    registration = db.session.get(Registration, registration_id)
                    target = db.session.get(AgendaSession, session_id)
                    booking.book_session(registration, target, actor=registration.user)
                    db.session.commit()
                except BaseException as error:  # noqa: BLE001  (reported below)
                    db.session.rollback()
                    errors.append(error)
                finally:
                    db.session.remove()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = (time.perf_counter() - started) * 1000
    db.session.expire_all()
    confirmed = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .join(Registration)
        .where(
            Booking.session_id == session_id,
            Booking.status == "confirmed",
            Registration.id.in_(registrations),
        )
    )
    if (
        errors
        or confirmed != seats
        or db.session.get(AgendaSession, session_id).confirmed_count != before + seats
    ):
        raise RuntimeError(
            f"contention broke the rules: {confirmed} confirmed of {seats}, errors {errors[:3]}"
        )
    return Result(
        "last-seat contention",
        run.name,
        "service",
        [elapsed],
        note=f"{contenders} bookings from 8 threads for {seats} seats: {confirmed} confirmed, rest waitlisted",
    )


def badge_pdfs(run: BenchRun) -> list[Result]:
    """One attendee's A6 badge, and 500 badges as one PDF (pages per second)."""
    from conference.badges import pdf, services

    badges = services.list_badges(run.event)
    cards = [services.badge_card(b) for b in badges[: 20 if run.quick else 500]]
    font = run.app.config.get("BADGE_FONT_PATH", "")
    single = []
    for card in cards[: 5 if run.quick else 20]:
        started = time.perf_counter()
        data = pdf.badges_pdf([card], font_path=font)
        single.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    batch = pdf.badges_pdf(cards, font_path=font)
    batch_ms = (time.perf_counter() - started) * 1000
    return [
        Result("badge PDF, one attendee", run.name, "service", single, bytes=len(data)),
        Result(
            f"badge PDF, {len(cards)} badges",
            run.name,
            "service",
            [batch_ms],
            bytes=len(batch),
            note=f"{len(cards) / (batch_ms / 1000):,.0f} pages/s",
        ),
    ]

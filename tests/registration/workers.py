"""Work done in other threads or processes by the concurrency tests (importable for spawn)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from conference.extensions import db


def run_in_threads(app, work: Callable[..., Any], arguments: Sequence[tuple]) -> list[Any]:
    """Run ``work(*args)`` in one thread per tuple, all released at once; results or exceptions.

    Each thread has its own app context, hence its own database session and
    connection, and commits (or rolls back) on its own.
    """
    barrier = threading.Barrier(len(arguments))
    results: list[Any] = [None] * len(arguments)

    def worker(index: int, args: tuple) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                results[index] = work(*args)
                db.session.commit()
            except Exception as error:  # reported to the test, which asserts on it
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return results


def book_in_process(
    database_url: str, registration_id: int, session_id: int, barrier, queue
) -> None:
    """A separate process: its own app, engine and connection, booking once."""
    from conference import create_app
    from conference.agenda.models import AgendaSession
    from conference.registration.booking import book_session
    from conference.registration.models import Registration

    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        session = db.session.get(AgendaSession, session_id)
        db.session.rollback()
        barrier.wait(timeout=120)
        try:
            booking = book_session(registration, session, actor=None)
            db.session.commit()
            queue.put((registration_id, booking.status, booking.waitlist_position))
        except Exception as error:
            db.session.rollback()
            queue.put((registration_id, "error", repr(error)))
        finally:
            db.session.remove()
            db.engine.dispose()

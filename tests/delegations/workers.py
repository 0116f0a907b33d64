"""Work done in other processes by the delegation concurrency tests (importable for spawn)."""

from __future__ import annotations

from conference.extensions import db


def accept_in_process(database_url: str, secret: str, user_id: int, barrier, queue) -> None:
    """A separate process: its own app, engine and connection, accepting one invitation."""
    from conference import create_app
    from conference.accounts.models import User
    from conference.delegations.nominations import accept

    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": False,
            "MAIL_DELIVER_AFTER_REQUEST": False,
            "PUBLIC_BASE_URL": "http://conference.test",
        }
    )
    with app.app_context(), app.test_request_context():
        user = db.session.get(User, user_id)
        db.session.rollback()
        barrier.wait(timeout=120)
        try:
            registration = accept(secret, user, privacy_consent=True)
            db.session.commit()
            queue.put((user_id, registration.status))
        except Exception as error:
            db.session.rollback()
            queue.put((user_id, type(error).__name__))
        finally:
            db.session.remove()
            db.engine.dispose()


def book_in_process(database_url: str, registration_id: int, session_id: int, barrier, queue):
    """A separate process booking one session for one registration (session quotas)."""
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
            "MAIL_DELIVER_AFTER_REQUEST": False,
            "PUBLIC_BASE_URL": "http://conference.test",
        }
    )
    with app.app_context(), app.test_request_context():
        registration = db.session.get(Registration, registration_id)
        session = db.session.get(AgendaSession, session_id)
        actor = registration.user
        db.session.rollback()
        barrier.wait(timeout=120)
        try:
            booking = book_session(registration, session, actor=actor)
            db.session.commit()
            queue.put((registration_id, booking.status))
        except Exception as error:
            db.session.rollback()
            queue.put((registration_id, getattr(error, "code", type(error).__name__)))
        finally:
            db.session.remove()
            db.engine.dispose()

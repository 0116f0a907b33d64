"""Notice senders in separate processes (importable for multiprocessing's spawn)."""

from __future__ import annotations


def announce_in_process(database_url: str, barrier, results) -> None:
    """A separate process with its own app and connection, running rounds until none is left."""
    from conference import create_app
    from conference.extensions import db
    from conference.notices.services import send_change_notices

    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "http://conference.test",
        }
    )
    with app.app_context():
        recipients: list[str] = []
        try:
            barrier.wait(timeout=120)
            for _round in range(3):
                recipients.extend(send_change_notices(wait=False).recipients)
            results.put(("ok", recipients))
        except Exception as error:  # reported to the test, which fails on it
            results.put(("error", repr(error)))
        finally:
            db.session.remove()
            db.engine.dispose()

"""Mail senders in separate processes (importable for multiprocessing's spawn)."""

from __future__ import annotations


def send_all_in_process(database_url: str, smtp_port: int, barrier, results) -> None:
    """A separate process: its own app and connection, draining the queue like `send-mail --all`."""
    from conference import create_app
    from conference.extensions import db
    from conference.mail.services import deliver_outbox

    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_port,
            "MAIL_TIMEOUT": 10,
            # Small batches so the senders interleave claim after claim.
            "MAIL_BATCH_SIZE": 3,
        }
    )
    with app.app_context():
        total = 0
        try:
            barrier.wait(timeout=120)
            while True:
                sent, _failed = deliver_outbox(limit=100, include_not_due=True)
                total += sent
                if sent == 0:
                    break
            results.put(("ok", total))
        except Exception as error:  # reported to the test, which fails on it
            results.put(("error", repr(error)))
        finally:
            db.session.remove()
            db.engine.dispose()

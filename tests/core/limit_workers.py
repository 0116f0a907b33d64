"""A second app instance in its own process, for the shared rate-limit tests (spawn-importable)."""

from __future__ import annotations


def failed_logins_in_process(settings: dict, count: int, results) -> None:
    """Build an app from ``settings`` and post ``count`` wrong logins; put the status codes."""
    from conference import create_app
    from conference.extensions import db

    app = create_app(settings)
    with app.app_context():
        client = app.test_client()
        codes = [
            client.post(
                "/account/login", data={"email": "a@example.org", "password": "wrong one"}
            ).status_code
            for _ in range(count)
        ]
        db.session.remove()
        db.engine.dispose()
    results.put(codes)

"""Mail queued by a request is handed to the task worker, not sent inside the request.

Each test asks for ``app`` too: it empties the tables before the test's own app is built."""

from __future__ import annotations

from conference.extensions import db
from conference.mail.services import pending_count
from conference.tasks.queue import task_queue

SIGNUP = {
    "name": "New Person",
    "email": "new@example.org",
    "password": "a long enough password",
    "confirm": "a long enough password",
}


def test_signup_mail_waits_for_the_worker_then_goes_out_once(
    app, app_factory, smtp_server, tmp_path
):
    app = app_factory(TASK_IMMEDIATE=False, TASK_QUEUE_URL=f"sqlite:///{tmp_path}/tasks.db")
    smtp_server.clear()
    with app.app_context():
        response = app.test_client().post("/account/signup", data=SIGNUP)
        assert response.status_code == 302
        assert smtp_server.messages_to("new@example.org") == []
        assert pending_count() == 1
        huey = task_queue().huey
        assert huey.pending_count() == 1

        huey.execute(huey.dequeue())

        assert len(smtp_server.messages_to("new@example.org")) == 1
        assert pending_count() == 0
        db.session.remove()


def test_the_workers_minute_round_sends_what_is_due(app, app_factory, smtp_server, tmp_path):
    app = app_factory(
        TASK_IMMEDIATE=False,
        TASK_QUEUE_URL=f"sqlite:///{tmp_path}/tasks.db",
        MAIL_DELIVER_AFTER_REQUEST=False,  # only the periodic round will send
    )
    smtp_server.clear()
    with app.app_context():
        signup = SIGNUP | {"email": "round@example.org"}
        assert app.test_client().post("/account/signup", data=signup).status_code == 302
        huey = task_queue().huey
        assert huey.pending_count() == 0
        rounds = huey.read_periodic(_any_minute())
        [periodic] = [t for t in rounds if t.name == "mail.deliver.periodic"]

        huey.execute(periodic)

        assert len(smtp_server.messages_to("round@example.org")) == 1
        db.session.remove()


def _any_minute():
    from datetime import datetime

    return datetime(2026, 12, 1, 12, 0)

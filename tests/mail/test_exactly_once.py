"""Every queued message is delivered exactly once, whatever number of senders run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from conference.db_types import utcnow
from conference.extensions import db
from conference.mail.models import OutboxMessage
from conference.mail.services import deliver_outbox, pending_count, queue_mail
from tests.mail.senders import send_all_in_process
from tests.processes import separate_processes

ROOT = Path(__file__).resolve().parents[2]


def _queue(count: int) -> list[str]:
    subjects = [f"Message {number:03d}" for number in range(count)]
    for subject in subjects:
        queue_mail(f"{subject.replace(' ', '')}@example.org", subject, "Body")
    db.session.commit()
    return subjects


def _delivered_subjects(smtp_server) -> Counter:
    return Counter(message["Subject"] for message in smtp_server.messages)


def test_concurrent_sender_processes_deliver_each_message_once(app, database_url, smtp_server):
    subjects = _queue(60)
    context = separate_processes()
    senders = 4
    barrier = context.Barrier(senders)
    results = context.Queue()
    processes = [
        context.Process(
            target=send_all_in_process, args=(database_url, smtp_server.port, barrier, results)
        )
        for _ in range(senders)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert [kind for kind, _ in outcomes] == ["ok"] * senders, outcomes
    assert sum(count for _, count in outcomes) == 60
    assert _delivered_subjects(smtp_server) == Counter(subjects)
    db.session.expire_all()
    rows = list(db.session.scalars(select(OutboxMessage)))
    assert all(row.sent_at and row.attempts == 1 and row.claimed_by is None for row in rows)


def test_concurrent_send_mail_commands_deliver_each_message_once(app, database_url, smtp_server):
    subjects = _queue(30)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "CONFERENCE_ENV": "test",
        "SECRET_KEY": "test-secret-key",
        "CONFERENCE_MAIL_BACKEND": "smtp",
        "CONFERENCE_MAIL_SERVER": "127.0.0.1",
        "CONFERENCE_MAIL_PORT": str(smtp_server.port),
        "CONFERENCE_MAIL_BATCH_SIZE": "2",
    }
    command = [sys.executable, "-m", "flask", "--app", "conference", "send-mail", "--all"]
    runs = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=180)[0] for run in runs]

    assert [run.returncode for run in runs] == [0] * 4, outputs
    assert _delivered_subjects(smtp_server) == Counter(subjects)
    assert sum(int(output.split()[1].rstrip(",")) for output in outputs) == 30


def test_a_dead_senders_claim_expires_and_the_message_goes_out(app, smtp_server):
    stranded, held = (queue_mail(f"{name}@example.org", name, "Body") for name in ("A", "B"))
    stranded.claimed_by, stranded.claimed_until = "dead-sender", utcnow() - timedelta(seconds=1)
    held.claimed_by, held.claimed_until = "live-sender", utcnow() + timedelta(minutes=5)
    stranded.attempts = held.attempts = 1  # the claims counted their attempts
    db.session.commit()

    sent, failed = deliver_outbox(include_not_due=True)

    assert (sent, failed) == (1, 0)
    assert list(_delivered_subjects(smtp_server)) == ["A"]
    db.session.expire_all()
    assert stranded.sent_at is not None and stranded.attempts == 2
    assert stranded.claimed_by is None and stranded.claimed_until is None
    assert held.sent_at is None and held.claimed_by == "live-sender" and held.attempts == 1
    assert pending_count() == 1


def test_each_failed_attempt_is_counted_once(app, smtp_server):
    message = queue_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    smtp_server.stop()
    try:
        for expected in (1, 2, 3):
            assert deliver_outbox(include_not_due=True) == (0, 1)
            db.session.expire_all()
            assert message.attempts == expected
            assert message.claimed_by is None and "ConnectionRefusedError" in message.last_error
            assert message.next_attempt_at > utcnow()
        # Not due yet: the plain run leaves it alone.
        assert deliver_outbox() == (0, 0)
    finally:
        smtp_server.start()
    assert deliver_outbox(include_not_due=True) == (1, 0)
    db.session.expire_all()
    assert message.attempts == 4 and message.sent_at is not None


def test_messages_past_the_attempt_limit_are_not_claimed(app, smtp_server):
    message = queue_mail("someone@example.org", "Hello", "Body")
    message.attempts = app.config["MAIL_MAX_ATTEMPTS"]
    db.session.commit()

    assert deliver_outbox(include_not_due=True) == (0, 0)
    assert smtp_server.messages == []

"""Several senders at once (processes, each with its own connection) announce each change once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from conference.agenda.models import SessionChange
from conference.extensions import db
from conference.mail.models import OutboxMessage
from conference.mail.services import deliver_outbox
from tests.notices.helpers import attendee, move, programme
from tests.notices.senders import announce_in_process
from tests.processes import separate_processes


def test_concurrent_sender_processes_send_one_mail_per_person_per_change_set(
    app, database_url, smtp_server
):
    expected = Counter()
    for number in range(6):
        prog = programme(f"event-{number}", count=3)
        for person in range(4):
            name = f"P{number}x{person}"
            attendee(prog, name, booked=prog.sessions[: person % 3 + 1])
            expected[f"{name.lower()}@example.org"] = 1
        for session in prog.sessions:
            move(session)

    context = separate_processes()
    senders = 4
    barrier = context.Barrier(senders)
    results = context.Queue()
    processes = [
        context.Process(target=announce_in_process, args=(database_url, barrier, results))
        for _ in range(senders)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert [kind for kind, _ in outcomes] == ["ok"] * senders, outcomes
    announced = Counter(address for _, recipients in outcomes for address in recipients)
    assert announced == expected
    db.session.expire_all()
    queued = Counter(db.session.scalars(select(OutboxMessage.recipient)))
    assert queued == expected
    changes = list(db.session.scalars(select(SessionChange)))
    assert len(changes) == 18 and all(c.announced_at is not None for c in changes)
    assert len({c.announced_key for c in changes}) == 6  # one change set per event
    deliver_outbox(limit=500, include_not_due=True)
    assert Counter(m["To"] for m in smtp_server.messages) == expected

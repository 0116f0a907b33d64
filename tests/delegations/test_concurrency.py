"""Quotas hold under real concurrency, on SQLite and PostgreSQL: processes and threads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conference.accounts.models import User
from conference.delegations import nominations, services
from conference.delegations.models import Delegation, Nomination
from conference.extensions import db
from conference.registration.models import Registration
from tests.delegations.helpers import invite, make_delegation, make_ncp
from tests.delegations.workers import accept_in_process
from tests.factories import make_open_event, make_user
from tests.processes import separate_processes
from tests.registration.workers import run_in_threads

pytestmark = pytest.mark.usefixtures("app")


def _accepted(delegation) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Nomination)
        .where(Nomination.delegation_id == delegation.id, Nomination.state == "accepted")
    )


def test_processes_accepting_at_once_never_exceed_the_quota(app, database_url):
    event = make_open_event()
    delegation = make_delegation(event, quota=2)
    ncp = make_ncp(delegation)
    invited = []
    for n in range(6):
        nomination, secret = invite(delegation, ncp, name=f"Expert {n}")
        invited.append((secret, make_user(nomination.email).id))
    db.session.commit()
    context = separate_processes()
    barrier = context.Barrier(len(invited))
    queue = context.Queue()
    processes = [
        context.Process(
            target=accept_in_process, args=(database_url, secret, user_id, barrier, queue)
        )
        for secret, user_id in invited
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert sorted(o[1] for o in outcomes) == ["QuotaFull"] * 4 + ["approved"] * 2, outcomes
    db.session.expire_all()
    assert db.session.get(Delegation, delegation.id).accepted_count == 2
    assert _accepted(delegation) == 2
    approved = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == "approved")
    )
    assert approved == 2


def test_the_same_link_accepted_twice_at_once_is_used_once(app):
    delegation = make_delegation(make_open_event(), quota=5)
    nomination, secret = invite(delegation, make_ncp(delegation))
    user_id = make_user(nomination.email).id

    def work(_):
        registration = nominations.accept(
            secret, db.session.get(User, user_id), privacy_consent=True
        )
        return registration.status

    with app.test_request_context():
        results = run_in_threads(app, work, [(i,) for i in range(4)])
    assert sorted(r if isinstance(r, str) else type(r).__name__ for r in results) == [
        "InvitationInvalid"
    ] * 3 + ["approved"], results
    db.session.expire_all()
    assert db.session.get(Delegation, delegation.id).accepted_count == 1


def test_lowering_the_quota_while_nominees_accept_never_leaves_more_accepted(app):
    delegation = make_delegation(make_open_event(), quota=4)
    ncp = make_ncp(delegation)
    invited = []
    for n in range(4):
        nomination, secret = invite(delegation, ncp, name=f"Expert {n}")
        invited.append((secret, make_user(nomination.email).id))
    delegation_id = delegation.id

    def work(kind, secret, user_id):
        if kind == "lower":
            services.set_quota(db.session.get(Delegation, delegation_id), 1, actor=None)
            return "lowered"
        return nominations.accept(
            secret, db.session.get(User, user_id), privacy_consent=True
        ).status

    with app.test_request_context():
        results = run_in_threads(
            app, work, [("lower", None, None), *[("accept", s, u) for s, u in invited]]
        )
    db.session.expire_all()
    final = db.session.get(Delegation, delegation_id)
    assert final.accepted_count == _accepted(final) <= final.quota, results
    assert final.quota in (1, 4)
    if final.quota == 1:
        assert results[0] == "lowered"

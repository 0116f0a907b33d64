"""CPython 3.11's collector may run inside an attribute store (issue 13): the request's session
is closed with it paused, and it is back on afterwards."""

from __future__ import annotations

import gc
import threading

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from conference import gc_guard
from conference.extensions import db
from conference.models import User
from tests.factories import make_user

pytestmark = pytest.mark.skipif(
    not gc_guard.NEEDED, reason="Python 3.12+ collects between bytecodes"
)


def test_the_session_of_an_app_context_is_closed_with_the_collector_paused(app):
    make_user(email="reader@example.eu")
    db.session.commit()
    seen: list[bool] = []

    def closing(session, _transaction):
        seen.append(gc.isenabled())

    event.listen(Session, "after_transaction_end", closing)
    try:
        with app.app_context():
            assert db.session.scalars(select(User)).all()  # objects in the identity map
            assert gc.isenabled()
    finally:
        event.remove(Session, "after_transaction_end", closing)
    assert seen and not any(seen)  # the collector was off while the session closed
    assert gc.isenabled()  # and on again after


def test_a_collector_turned_off_by_someone_else_stays_off(app):
    gc.disable()
    try:
        with app.app_context():
            db.session.scalars(select(User)).all()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_guard_runs_before_flask_sqlalchemys_own_removal(app):
    # Teardowns run last registered first: the guard must close the session before the plain
    # removal that Flask-SQLAlchemy registered in db.init_app.
    names = [f.__name__ for f in reversed(app.teardown_appcontext_funcs)]
    assert names.index("remove_session_without_collecting") < names.index("_teardown_session")


def test_threads_closing_at_once_keep_the_collector_off_until_the_last_one_is_done():
    # A threaded worker: thread A starts closing, B starts, A finishes while B is still
    # closing. B's close must still run with the collector off.
    a_inside, b_inside, a_done = threading.Event(), threading.Event(), threading.Event()
    seen_by_b: list[bool] = []

    def thread_a():
        with gc_guard.collector_paused():
            a_inside.set()
            b_inside.wait()
        a_done.set()

    def thread_b():
        a_inside.wait()
        with gc_guard.collector_paused():
            b_inside.set()
            a_done.wait()
            seen_by_b.append(gc.isenabled())

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen_by_b == [False]
    assert gc.isenabled()

"""The task queue's defaults: one queue per database, even in a shared SQLite file."""

from __future__ import annotations

from conference.tasks.queue import enqueue, task_queue


def test_apps_on_different_databases_never_share_a_queue(app_factory, tmp_path):
    shared = f"sqlite:///{tmp_path}/tasks.db"
    first = app_factory(TASK_IMMEDIATE=False, TASK_QUEUE_URL=shared)
    second = app_factory(
        TASK_IMMEDIATE=False,
        TASK_QUEUE_URL=shared,
        DATABASE_URL=f"sqlite:///{tmp_path}/another.sqlite3",
    )

    with first.app_context():
        enqueue("mail.deliver")
        first_pending = task_queue().huey.pending_count()
    with second.app_context():
        second_pending = task_queue().huey.pending_count()

    assert (first_pending, second_pending) == (1, 0)


def test_a_named_queue_is_shared_on_purpose(app_factory, tmp_path):
    shared = f"sqlite:///{tmp_path}/tasks.db"
    settings = {"TASK_IMMEDIATE": False, "TASK_QUEUE_URL": shared, "TASK_QUEUE_NAME": "site"}
    first = app_factory(**settings)
    second = app_factory(**settings, DATABASE_URL=f"sqlite:///{tmp_path}/another.sqlite3")

    with first.app_context():
        enqueue("mail.deliver")
    with second.app_context():
        assert task_queue().huey.pending_count() == 1

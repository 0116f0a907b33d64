"""Close the request's database session with the cyclic garbage collector paused, on CPython 3.11.

CPython 3.11 can start a collection inside any allocation, including the one that turns an
object's inline attribute values into a dict when a name new to its class is stored
(``make_dict_from_instance_attributes``). If that collection frees a mapped object, its
weakref callback (SQLAlchemy's ``InstanceState._cleanup``) stores on the very InstanceState
whose store started the collection: both build a dict on the same values and both free them.
The result is a double free and, later, a SIGSEGV while garbage-collecting (issue 13,
docs/benchmarks.md: valgrind and gdb traces, a reproducer in bench/cpython_inline_values.py).
``Session.close()`` is where the outer store happens (``_detach_states`` clears
``state._strong_obj`` on every loaded object), so the session is removed with the collector
off; it runs again right after, and the garbage is collected then.

Python 3.12 and later run the collector only between bytecodes (gh-97922), so the guard is
not installed there.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from conference.extensions import db

NEEDED = sys.version_info < (3, 12)

# The collector is process-wide, and a threaded worker closes several sessions at once: the
# first thread in turns it off, the last one out turns it back on (if it was on before).
_pause_lock = threading.Lock()
_pause_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pause_depth, _was_enabled
    with _pause_lock:
        if _pause_depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pause_depth += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_depth -= 1
            if _pause_depth == 0 and _was_enabled:
                gc.enable()


def remove_session() -> None:
    """``db.session.remove()``, with the collector paused where it must be: for every place that
    ends a session holding many loaded objects (requests, tasks, the warm-up)."""
    if not NEEDED:
        db.session.remove()
        return
    with collector_paused():
        db.session.remove()


def remove_session_without_collecting(_exception: BaseException | None = None) -> None:
    remove_session()


def init_app(app: Flask) -> None:
    """Run before Flask-SQLAlchemy's own removal (teardowns run last registered first)."""
    if NEEDED:
        app.teardown_appcontext(remove_session_without_collecting)

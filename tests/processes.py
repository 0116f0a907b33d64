"""Separate processes for the concurrency tests, forked from a server that imported the app once.

Each test of racing processes used to spawn fresh interpreters, every one importing the whole
application (about a second of CPU each, six at a time on two cores) before the race began.
A ``forkserver`` imports the application's modules once per pytest worker; every process is
then forked from that clean server (not from the test process, whose engine, threads and open
transactions it must not share), so each still builds its own app and connections and races
for real, from its first statement.
"""

from __future__ import annotations

import importlib
import multiprocessing
import pkgutil
from multiprocessing.context import BaseContext

import conference

# Where the processes' targets live (imported once by the server as well).
WORKER_MODULES = (
    "tests.core.limit_workers",
    "tests.delegations.workers",
    "tests.mail.senders",
    "tests.notices.senders",
    "tests.registration.workers",
)


def import_application() -> None:
    """Every module of the application (what ``create_app`` and the workers import)."""
    for module in pkgutil.walk_packages(conference.__path__, "conference."):
        importlib.import_module(module.name)


def separate_processes() -> BaseContext:
    """The multiprocessing context for processes beside the test's (racing it, or one another)."""
    context = multiprocessing.get_context("forkserver")
    # Read when the server starts (the first process of the run); later calls change nothing.
    context.set_forkserver_preload(["tests.forkserver_preload", *WORKER_MODULES])
    return context

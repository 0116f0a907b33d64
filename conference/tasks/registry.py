"""Named background tasks, declared by the capability that owns the work.

A capability marks a plain function with ``@background_task("badges.print_sheet")``;
the queue (conference/tasks/queue.py) binds every declared task to the app's huey
instance when the app is built, so the web workers and the task worker agree on names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaskSpec:
    name: str
    func: Callable[..., Any]
    retries: int = 0
    retry_delay: int = 0
    every_minute: bool = False  # also run it periodically, from the worker's scheduler


TASKS: dict[str, TaskSpec] = {}


def background_task(
    name: str, *, retries: int = 0, retry_delay: int = 0, every_minute: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare ``func`` as the task ``name``; the function itself is unchanged."""

    def declare(func: Callable[..., Any]) -> Callable[..., Any]:
        TASKS[name] = TaskSpec(name, func, retries, retry_delay, every_minute)
        return func

    return declare

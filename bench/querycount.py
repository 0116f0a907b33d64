"""Count SQL statements sent by the application's engine."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event


class QueryCounter:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def _count(self, *args, **kwargs) -> None:
        self.count += 1

    @contextmanager
    def counting(self):
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._count)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", self._count)

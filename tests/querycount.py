"""Count the SQL statements a block of code sends (to assert a constant number of queries)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(f"{i + 1}. {s}" for i, s in enumerate(self.statements))


@contextmanager
def count_queries(engine: Engine) -> Iterator[QueryLog]:
    """``with count_queries(db.engine) as log: ...`` then ``log.count``."""
    log = QueryLog()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            log.statements.append(" ".join(statement.split())[:300])

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)

"""Database faults on demand: a dropped connection or a violated constraint on the Nth write
statement (or at COMMIT) of whatever runs while the injector is active."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.pool import NullPool

from conference.extensions import db

WRITES = ("INSERT", "UPDATE", "DELETE")


def table_counts() -> dict[str, int]:
    """Rows per table, read on a connection of its own (what another client would see)."""
    with db.engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def _terminate_backend(dbapi_connection) -> None:
    """Really drop a PostgreSQL connection, from the server's side."""
    pid = dbapi_connection.info.backend_pid
    admin = create_engine(db.engine.url, poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            connection.commit()
    finally:
        admin.dispose()


class Injector:
    """Fails the ``nth`` write statement (``at="write"``) or the ``nth`` COMMIT (``at="commit"``)
    with ``kind``: ``"dropped"`` (the connection goes away) or ``"integrity"`` (a constraint)."""

    def __init__(self, kind: str, nth: int = 1, at: str = "write") -> None:
        self.kind, self.nth, self.at = kind, nth, at
        self.seen = 0
        self.fired = False

    def _fail(self, dbapi_connection) -> None:
        self.fired = True
        dbapi = db.engine.dialect.loaded_dbapi
        if self.kind == "integrity":
            raise dbapi.IntegrityError("injected: duplicate key value violates unique constraint")
        if db.engine.dialect.name == "postgresql":
            _terminate_backend(dbapi_connection)
            return  # the statement itself now fails on the dead connection
        raise dbapi.OperationalError("injected: the database connection was lost")

    def before_cursor_execute(self, conn, cursor, statement, *args) -> None:
        if self.at != "write" or self.fired:
            return
        if statement.lstrip()[:6].upper() in WRITES:
            self.seen += 1
            if self.seen == self.nth:
                self._fail(conn.connection.dbapi_connection)

    def commit(self, conn) -> None:
        if self.at != "commit" or self.fired:
            return
        self.seen += 1
        if self.seen == self.nth:
            self._fail(conn.connection.dbapi_connection)
            if db.engine.dialect.name == "postgresql":
                # The COMMIT would fail on the dead connection; say so the way it would.
                raise db.engine.dialect.loaded_dbapi.OperationalError(
                    "injected: server closed the connection unexpectedly"
                )


@contextmanager
def inject(kind: str, nth: int = 1, at: str = "write"):
    injector = Injector(kind, nth, at)
    engine = db.engine
    event.listen(engine, "before_cursor_execute", injector.before_cursor_execute)
    event.listen(engine, "commit", injector.commit)
    try:
        yield injector
    finally:
        event.remove(engine, "before_cursor_execute", injector.before_cursor_execute)
        event.remove(engine, "commit", injector.commit)

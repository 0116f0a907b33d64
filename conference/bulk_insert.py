"""Many rows into one table in as few round trips as the database allows (imports).

SQLAlchemy's executemany converts every value of every row through the column's type,
which for 100,000 bookings costs more than the database's own work. ``insert_rows``
converts each distinct value once per column (most are the same instant, status or
event id), then hands plain tuples to the driver: ``COPY ... FROM STDIN`` on PostgreSQL
(psycopg 3), one ``executemany`` elsewhere; fewer than ``SMALL`` rows take the ordinary
insert. Columns the rows leave out get their Python default (as an ORM or Core insert
would) or their server default.

The rows go through the connection's own transaction, so the caller still commits once.
COPY is not an ``execute``: statement counters (``before_cursor_execute``) do not see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Table, insert
from sqlalchemy.engine import Connection

_CHUNK = 5000  # rows per executemany: bounded memory for the driver's parameter list
# Below this, an ordinary insert: nothing to gain, and it stays one counted statement.
SMALL = 100


def _default_of(column: Column) -> Callable[[], Any] | None:
    """The Python-side default of ``column`` as a function of nothing, if it has one."""
    default = column.default
    if default is None or getattr(default, "is_sequence", False):
        return None
    if default.is_scalar:
        return lambda: default.arg
    if default.is_callable:
        return lambda: default.arg(None)
    return None  # a SQL expression: leave it to an ordinary insert


def _converter(column: Column, connection: Connection) -> Callable[[Any], Any] | None:
    """The column type's bind conversion, remembered per distinct hashable value; None when
    the driver takes the value as it is."""
    process = column.type._cached_bind_processor(connection.dialect)  # noqa: SLF001
    if process is None:
        return None
    seen: dict[tuple[type, Any], Any] = {}
    last: list[Any] = [object(), None]  # the previous value and its conversion

    def convert(value: Any) -> Any:
        if value is last[0]:  # most often the very same object (one instant for every row)
            return last[1]
        try:
            key = (type(value), value)
            converted = seen[key]
        except KeyError:
            seen[key] = converted = process(value)
        except TypeError:  # unhashable (a JSON list): convert each time
            return process(value)
        last[:] = value, converted
        return converted

    return convert


def _tuples(
    rows: Iterable[Mapping[str, Any]], names: list[str], converters: list
) -> Iterator[Sequence[Any]]:
    """Each row's values in the order of ``names``, converted where the type says so."""
    get = itemgetter(*names)
    if len(names) == 1:
        single = get
        get = lambda row: (single(row),)  # noqa: E731
    converting = [(i, convert) for i, convert in enumerate(converters) if convert is not None]
    if not converting:
        yield from map(get, rows)
        return
    for row in rows:
        values = list(get(row))
        for i, convert in converting:
            values[i] = convert(values[i])
        yield tuple(values)


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``; returns nothing (no ids)."""
    if not rows:
        return
    if len(rows) < SMALL:
        connection.execute(insert(table), list(rows))
        return
    given = list(rows[0])
    defaults = {
        column.name: fill
        for column in table.columns
        if column.name not in given and (fill := _default_of(column)) is not None
    }
    # A scalar default is the same for every row; a callable one (a token) is called for each.
    constants = {n: fill() for n, fill in defaults.items() if table.c[n].default.is_scalar}
    per_row = {n: fill for n, fill in defaults.items() if n not in constants}
    filled: Iterable[Mapping[str, Any]] = rows
    if defaults:
        filled = (
            {**row, **constants, **{n: fill() for n, fill in per_row.items()}} for row in rows
        )
    names = given + list(defaults)
    dialect = connection.dialect
    if dialect.paramstyle != "qmark" and dialect.driver != "psycopg":
        connection.execute(insert(table), [dict(row) for row in filled])  # another driver
        return
    converters = [_converter(table.c[name], connection) for name in names]
    tuples = _tuples(filled, names, converters)
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    target = dialect.identifier_preparer.format_table(table)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        driver = connection.connection.driver_connection
        copy_sql = f"COPY {target} ({columns}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
            for row in tuples:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {target} ({columns}) VALUES ({marks})"  # noqa: S608 (our metadata's names, quoted)
    batch: list[Sequence[Any]] = []
    for row in tuples:
        batch.append(row)
        if len(batch) == _CHUNK:
            connection.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(sql, batch)

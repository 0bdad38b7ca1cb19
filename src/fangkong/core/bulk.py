"""Bulk writes, one door: many rows in few statements, with the rules of the services by construction.

The services write one record at a time through the ORM (``core.services``: scope check, audit event,
version column). An import of 100,000 rows cannot: it writes with COPY (PostgreSQL) or executemany (SQLite)
and raw UPDATEs. This module is the only place that does, and ``BulkWriter`` gives those writes the
services' rules:

- scope: every row inserted or updated names its sub-district and neighborhood, and the writer refuses
  (``ScopeError``) a batch holding a row the actor may not write (``may_write_place``, the question
  ``core.services.check_write_scope`` asks of one record), before anything is sent;
- versions: inserts get ``created_at``, ``updated_at`` and ``version = 1`` from the writer; updates set
  ``updated_at`` and ``version = version + 1`` and only apply to the version the caller read (``WHERE id AND
  version``): a row changed meanwhile refuses the whole batch (``ConflictError``);
- audit: the writer counts what it wrote per model (``counts``), and is used only inside the transaction
  of a caller that writes one audit event for all of it (the import engine's "import" event carries the
  counts). It refuses to write outside a transaction.

The helpers below it (``insert``, ``copy_rows``, ``reserve_ids``, ``select_in``, ``update_versioned``) are
the statements themselves, for the writer and for system code with no actor (the demo generator).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.exceptions import ConflictError, ScopeError

VERSION_FIELDS = ("created_at", "updated_at", "version")


# ------------------------------------------------------------------------------------------ statements


def insert_columns(
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    using: str = "default",
    chunk: int = 0,
) -> None:
    """Insert rows (database-ready values for ``columns``) into ``table``: one COPY stream on PostgreSQL,
    executemany elsewhere (in chunks of ``chunk`` rows when given). Database errors (a unique violation)
    are raised as Django's."""
    if not rows:
        return
    conn = connections[using]
    qn = conn.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            with (
                conn.wrap_database_errors,
                cursor.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy,
            ):
                write = copy.write_row
                for row in rows:
                    write(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})"
        step = chunk or len(rows)
        for start in range(0, len(rows), step):
            cursor.executemany(sql, rows[start : start + step] if chunk else rows)


def _columns(model: Any, fields: Sequence[str]) -> list[str]:
    meta = model._meta
    return [str(meta.get_field(f).column) for f in fields]


def insert(model: Any, fields: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """``insert_columns`` for model fields (names or attnames)."""
    insert_columns(model._meta.db_table, _columns(model, fields), rows)


def copy_rows(raw: Any, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """One COPY stream on a DB-API connection (the background writer's thread)."""
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row)


class BackgroundWriter:
    """On PostgreSQL, runs big inserts (COPY) on one background thread, one at a time, so the next batch is
    read and checked while the server writes the previous one. Elsewhere the insert runs at once: SQLite
    writes inside this process, and its executemany holds Python's lock while it binds each row, so a thread
    gains nothing there.

    The thread uses the caller's own database connection (same transaction) through its DB-API handle, and
    only while the main thread stays away from the database: the caller calls ``wait`` before every database
    access, and ``close`` before the transaction ends, whatever happens. A failed insert is raised by
    ``wait`` as Django's database error (an IntegrityError refuses an import)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def insert(self, model: Any, fields: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        self.wait()
        if not rows:
            return
        qn = connection.ops.quote_name
        raw = connection.connection
        if connection.vendor != "postgresql" or raw is None:
            insert(model, fields, rows)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        cols = ", ".join(qn(c) for c in _columns(model, fields))
        sql = f"COPY {qn(model._meta.db_table)} ({cols}) FROM STDIN"
        self._pending = self._pool.submit(copy_rows, raw, sql, rows)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            with connection.wrap_database_errors:
                pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None


def reserve_ids(model: Any, count: int) -> list[int]:
    """``count`` new primary keys for ``model``, to insert with explicit ids (no read-back afterwards).

    PostgreSQL draws them from the table's sequence. SQLite (inside a write transaction, which holds the
    database's write lock) continues after both the largest id and AUTOINCREMENT's high-water mark, so an
    id is never reused."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(
            f"SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM {connection.ops.quote_name(table)} "
            "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        start = (cursor.fetchone()[0] or 0) + 1
    return list(range(start, start + count))


def select_in(sql: str, column: str, keys: list[Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` (with a ``{where}`` placeholder) with ``column`` in ``keys``: one query and one parameter
    whatever the number of keys (an array on PostgreSQL, a JSON array on SQLite), so the index on ``column``
    is used."""
    if not keys:
        return []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.format(where=f"{qn(column)} = ANY(%s)"), [list(keys)])
        elif connection.vendor == "sqlite":
            cursor.execute(
                sql.format(where=f"{qn(column)} IN (SELECT value FROM json_each(%s))"), [json.dumps(keys)]
            )
        else:
            marks = ", ".join(["%s"] * len(keys))
            cursor.execute(sql.format(where=f"{qn(column)} IN ({marks})"), list(keys))
        return cursor.fetchall()


def update_versioned(model: Any, fields: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> int:
    """UPDATE … SET fields, version = version + 1 WHERE id = ? AND version = ? (each row ends with id and
    version); the number of rows changed."""
    if not rows:
        return 0
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(c)} = %s" for c in _columns(model, fields))
    sql = (
        f"UPDATE {qn(model._meta.db_table)} SET {sets}, {qn('version')} = {qn('version')} + 1 "
        f"WHERE {qn('id')} = %s AND {qn('version')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return cursor.rowcount


def now_values() -> tuple[Any, Any]:
    """Now, and now as the database takes it in a raw statement."""
    now = timezone.now()
    return now, connection.ops.adapt_datetimefield_value(now)


# -------------------------------------------------------------------------------------------- writer


def may_write_place(scope: Any, sub_id: Any, hood_id: Any, *, domain: str) -> bool:
    """Whether a scope may write a row of sub-district ``sub_id`` and neighborhood ``hood_id`` (None: a
    sub-district-wide row) of ``domain``: what ``core.services.check_write_scope`` asks of one record
    (``Scope.write_refusal``, the one rule)."""
    return not scope.write_refusal(domain, sub_id, hood_id)


class BulkWriter:
    """Bulk inserts and updates for one actor, with scope, versions and counts by construction (see the
    module docstring). ``background=True`` sends inserts to a ``BackgroundWriter`` (PostgreSQL): call
    ``wait`` before touching the database and ``close`` before the transaction ends."""

    def __init__(self, *, actor: Any, domain: str = "registry", background: bool = False) -> None:
        from fangkong.core.scope import scope_for

        self.actor = actor
        self.scope = scope_for(actor)
        self.domain = domain
        self.counts: Counter[str] = Counter()
        self._writable: dict[tuple[Any, Any], bool] = {}
        self._background = BackgroundWriter() if background else None
        self.conflict_message = _("导入期间有记录被他人修改，请重新上传。")

    # -- scope
    def may_write(self, sub_id: Any, hood_id: Any) -> bool:
        """Write scope for a row of sub-district ``sub_id`` and neighborhood ``hood_id`` (None: a
        sub-district-wide row), cached for the writer's life."""
        key = (sub_id, hood_id)
        allowed = self._writable.get(key)
        if allowed is None:
            allowed = self._writable[key] = may_write_place(self.scope, sub_id, hood_id, domain=self.domain)
        return allowed

    def check_places(self, places: Iterable[tuple[Any, Any]]) -> None:
        """ScopeError unless the actor may write every (sub-district, neighborhood) of ``places``."""
        for sub_id, hood_id in set(places):
            if not self.may_write(sub_id, hood_id):
                raise ScopeError("bulk write outside the actor's scope")

    def _places(self, fields: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> set[tuple[Any, Any]]:
        sub = fields.index("subdistrict_id")
        hood = fields.index("neighborhood_id") if "neighborhood_id" in fields else None
        if hood is None:
            return {(row[sub], None) for row in rows}
        return {(row[sub], row[hood]) for row in rows}

    @staticmethod
    def _in_transaction() -> None:
        if not connection.in_atomic_block:
            raise RuntimeError("bulk writes run inside the caller's audited transaction")

    # -- writes
    def insert(
        self, model: Any, fields: Sequence[str], rows: Sequence[tuple[Any, ...]], *, background: bool = False
    ) -> None:
        """Insert new rows: ``fields`` include ``subdistrict_id`` (and ``neighborhood_id`` when the model
        has one); the writer adds ``created_at``, ``updated_at`` and ``version = 1``. ``background``: on the
        background writer when the writer has one (the caller ``wait``s before its next database access)."""
        if not rows:
            return
        self._in_transaction()
        self.check_places(self._places(fields, rows))
        _now, db_now = now_values()
        tail = (db_now, db_now, 1)
        full = [*fields, *VERSION_FIELDS]
        stamped = [row + tail for row in rows]
        self.wait()
        if background and self._background is not None:
            self._background.insert(model, full, stamped)
        else:
            insert(model, full, stamped)
        self.counts[f"{model._meta.label_lower}.created"] += len(rows)

    def update(
        self,
        model: Any,
        fields: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        *,
        sub_id: Any,
        previous: Iterable[Any],
    ) -> None:
        """Update rows read at a known version: each row holds the values of ``fields`` then the id and the
        version read. ``previous`` are the neighborhoods the rows had when read (their scope is checked, as
        is that of a new ``neighborhood_id`` in ``fields``); the writer sets ``updated_at`` and bumps the
        version, and raises ConflictError when a row changed meanwhile."""
        if not rows:
            return
        self._in_transaction()
        self.wait()
        places = {(sub_id, hood) for hood in previous}
        if "neighborhood_id" in fields:
            at = list(fields).index("neighborhood_id")
            places |= {(sub_id, row[at]) for row in rows}
        self.check_places(places)
        _now, db_now = now_values()
        full = [*fields, "updated_at"]
        stamped = [(*row[:-2], db_now, row[-2], row[-1]) for row in rows]
        if update_versioned(model, full, stamped) != len(rows):
            raise ConflictError(self.conflict_message, code="conflict")
        self.counts[f"{model._meta.label_lower}.updated"] += len(rows)

    def wait(self) -> None:
        if self._background is not None:
            self._background.wait()

    def close(self) -> None:
        if self._background is not None:
            self._background.close()

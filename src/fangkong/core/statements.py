"""Statements written for PostgreSQL on the public surge paths (the mask booking, the venue check-in): run as
server-side prepared statements."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.db import connection


def execute_prepared(sql: str, params: Sequence[Any] | dict[str, Any]) -> Any:
    """Run a statement on PostgreSQL as a prepared statement with server-side parameters: the server parses
    and plans the long statement once per connection instead of on every request, and the driver does not
    quote the parameters into the text. psycopg prepares only on connections with a prepare threshold, which
    the settings give unless FANGKONG_PG_PREPARED=0; without one the statement is sent unprepared. Errors are
    Django's; the statement is logged like any other query. Answers the first row."""
    import psycopg

    connection.ensure_connection()
    start = time.monotonic()
    with connection.wrap_database_errors:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            answer = cursor.fetchone()
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - start:.3f}"})
    return answer

"""Helpers shared by the benchmarks: a fresh database per run, and Django set up against it."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def setup_django(database_url: str | None = None, *, migrate: bool = True) -> str:
    """Point Django at a fresh SQLite file (or ``database_url``), migrate it, and return the var dir."""
    var = tempfile.mkdtemp(prefix="fangkong-bench-")
    os.environ["FANGKONG_VAR_DIR"] = var
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    _ensure_keys()
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return var


def _ensure_keys() -> None:
    from fangkong.core.crypto import generate_key

    os.environ.setdefault("FANGKONG_DATA_KEY", f"b1:{generate_key()}")
    os.environ.setdefault("FANGKONG_HASH_KEY", generate_key())
    os.environ.setdefault("FANGKONG_SECRET_KEY", generate_key())


def fresh_postgres_url(name: str) -> str | None:
    """Create (or recreate) database ``name`` on the local PostgreSQL; None when no server answers."""
    base = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception:  # noqa: BLE001
        return None
    return base.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["s"] = time.perf_counter() - start


def count_queries(func: Callable[[], Any]) -> tuple[Any, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = func()
    return result, len(ctx.captured_queries)

"""SQLite serving: writers of every thread and process queue on the backend's writer lock instead of
SQLite's sleeping busy handler."""

from __future__ import annotations

import threading

import pytest
from django.db.utils import ConnectionHandler

from fangkong.core.management.commands.serve import SQLITE_THREADS, gunicorn_argv, serving_shape

THREADS = 8
ROUNDS = 25


def _handler(path: str, engine: str) -> ConnectionHandler:
    # busy_timeout 0: a writer that finds the database locked fails at once instead of sleeping
    return ConnectionHandler(
        {
            "default": {
                "ENGINE": engine,
                "NAME": path,
                "OPTIONS": {
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=0;",
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 0,
                },
            }
        }
    )


def _surge(handler: ConnectionHandler) -> list[BaseException]:
    setup = handler["default"]
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (n INTEGER)")
        cursor.execute("INSERT INTO counter VALUES (0)")
        cursor.execute("CREATE TABLE log (x INTEGER)")
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer() -> None:
        conn = handler["default"]
        try:
            conn.ensure_connection()
            start.wait()
            for _ in range(ROUNDS):
                conn._start_transaction_under_autocommit()  # what an atomic block does: BEGIN IMMEDIATE
                with conn.cursor() as cursor:
                    cursor.execute("UPDATE counter SET n = n + 1")
                conn.commit()
                with conn.cursor() as cursor:  # a lone write in autocommit
                    cursor.execute("INSERT INTO log (x) VALUES (1)")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            try:
                conn.rollback()
            except BaseException:  # noqa: BLE001
                pass
        finally:
            conn.close()

    threads = [threading.Thread(target=writer) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if not errors:
        with setup.cursor() as cursor:
            cursor.execute("SELECT (SELECT n FROM counter), (SELECT COUNT(*) FROM log)")
            assert cursor.fetchone() == (THREADS * ROUNDS, THREADS * ROUNDS)
    setup.close()
    return errors


def test_writers_of_one_process_queue_on_the_lock_not_in_the_busy_handler(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        errors = _surge(_handler(str(tmp_path / "w.sqlite3"), "fangkong.core.backends.sqlite3"))
    assert not errors, errors[:3]


def test_without_the_lock_the_same_surge_hits_locked_errors(tmp_path, django_db_blocker):
    """The control: Django's own backend with no busy wait fails, so the test above measures the lock."""
    with django_db_blocker.unblock():
        errors = _surge(_handler(str(tmp_path / "w.sqlite3"), "django.db.backends.sqlite3"))
    assert errors and "locked" in str(errors[0])


CROSS_PROCESS = """
import sys, threading
import django
django.setup()
from django.db.utils import ConnectionHandler
h = ConnectionHandler({"default": {"ENGINE": "fangkong.core.backends.sqlite3", "NAME": sys.argv[1], "OPTIONS": {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=0;", "transaction_mode": "IMMEDIATE",
    "timeout": 0}}})
errors = []
def run():
    c = h["default"]
    try:
        c.ensure_connection()
        for _ in range(40):
            c._start_transaction_under_autocommit()
            with c.cursor() as cur:
                cur.execute("UPDATE counter SET n = n + 1")
            c.commit()
    except Exception as exc:
        errors.append(exc)
    finally:
        c.close()
threads = [threading.Thread(target=run) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
print("errors", len(errors), errors[:1])
sys.exit(1 if errors else 0)
"""


def test_writers_of_several_processes_queue_on_the_lock(tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys

    path = str(tmp_path / "p.sqlite3")
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE counter (n INTEGER)")
    db.execute("INSERT INTO counter VALUES (0)")
    db.commit()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fangkong.settings"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CROSS_PROCESS, path], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert db.execute("SELECT n FROM counter").fetchone() == (3 * 4 * 40,)
    db.close()


@pytest.mark.parametrize(
    "sqlite,workers,threads,expected",
    [
        (True, None, None, (2, SQLITE_THREADS)),
        (True, 5, None, (5, SQLITE_THREADS)),
        (True, None, 8, (2, 8)),
        (False, 3, 2, (3, 2)),
    ],
)
def test_serving_shape(sqlite, workers, threads, expected, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert serving_shape(sqlite=sqlite, workers=workers, threads=threads) == expected


def test_serve_on_sqlite_runs_threaded_workers(settings, monkeypatch):
    import io
    import os

    from django.core.management import call_command
    from django.db import connection

    from fangkong.core.management.commands import serve

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite serving shape")
    ran: list[list[str]] = []
    monkeypatch.delenv("FANGKONG_CONN_MAX_AGE", raising=False)
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: ran.append(argv))
    monkeypatch.setattr(serve, "verify_keys", lambda: None)
    monkeypatch.setattr("fangkong.core.worker.spawn_child", lambda *a, **k: None)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    call_command("serve", no_collectstatic=True, stdout=io.StringIO(), stderr=io.StringIO())
    argv = ran[0]
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[argv.index("--threads") + 1] == str(SQLITE_THREADS)
    assert argv == gunicorn_argv(host="127.0.0.1", port=8000, workers=2, threads=SQLITE_THREADS)
    # gunicorn's threads keep their connections (the environment carries it); an operator's value wins
    assert os.environ["FANGKONG_CONN_MAX_AGE"] == "600"
    monkeypatch.setenv("FANGKONG_CONN_MAX_AGE", "30")
    call_command("serve", no_collectstatic=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert os.environ["FANGKONG_CONN_MAX_AGE"] == "30"


def _rows_in_main_file(path: str, tmp_path) -> int:
    """The rows a copy of the database file alone holds: what a checkpoint has moved out of the WAL."""
    import shutil
    import sqlite3

    copy = str(tmp_path / "copy.sqlite3")
    shutil.copyfile(path, copy)
    db = sqlite3.connect(copy)
    try:
        return int(db.execute("SELECT COUNT(*) FROM log").fetchone()[0])
    except sqlite3.OperationalError:  # the table itself is still only in the WAL
        return 0
    finally:
        db.close()


@pytest.mark.parametrize("rows", [400, 600])
def test_checkpoints_run_outside_the_commit_once_enough_rows_changed(
    tmp_path, django_db_blocker, monkeypatch, rows
):
    """The connection's automatic checkpoint is off; the process's checkpointer thread moves the WAL into the
    database file once its commits changed CHECKPOINT_ROWS rows, and not before. Each row carries 12 kB, so 400
    rows pass SQLite's own threshold of 1,000 pages: at commit it would have checkpointed them."""
    import time

    from fangkong.core.backends.sqlite3 import base

    monkeypatch.setattr(base, "CHECKPOINT_ROWS", 500)
    path = str(tmp_path / "c.sqlite3")
    with django_db_blocker.unblock():
        conn = _handler(path, "fangkong.core.backends.sqlite3")["default"]
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE log (x INTEGER, pad BLOB)")
        for start in range(0, rows, 10):
            conn._start_transaction_under_autocommit()
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO log (x, pad) VALUES (%s, randomblob(12000))",
                    [(i,) for i in range(start, start + 10)],
                )
            conn.commit()
        checkpoints = base.checkpointer(path)
        deadline = time.monotonic() + 10
        while rows >= 500 and checkpoints.done == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        in_file = _rows_in_main_file(path, tmp_path)
        conn.close()
    if rows >= 500:
        assert checkpoints.done >= 1
        assert in_file >= 500
    else:
        assert checkpoints.done == 0
        assert in_file == 0  # SQLite's own checkpoint at commit is off

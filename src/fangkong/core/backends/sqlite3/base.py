"""SQLite with a serialised writer: writers queue on a lock instead of in SQLite's busy handler.

SQLite lets one writer in at a time. A connection that finds the database locked waits in SQLite's busy
handler, which sleeps in growing steps (1, 2, 5 … 100 ms) and retries: under a surge, writers oversleep the
moment the lock frees, and the unluckiest wait seconds. Here every write transaction (``BEGIN IMMEDIATE`` of an
atomic block, or a lone write statement in autocommit) first takes a writer lock per database file: a thread
lock among the threads of a process, then an exclusive ``flock`` on ``<database>-writer.lock`` among the
processes (gunicorn's workers, the job runner, commands). The kernel hands the lock to a waiter the moment the
holder commits or rolls back. In-memory databases (tests) skip it.

WAL checkpoints run outside that lock. SQLite's automatic checkpoint runs inside the COMMIT that crosses its
threshold, so the writer holds the lock for the copy and its fsync (20–50 ms against a commit's 0.2 ms) while
every queued writer waits. Here a connection turns the automatic checkpoint off, and each process counts the
rows its commits changed; past ``CHECKPOINT_ROWS`` a checkpointer thread of the process runs a PASSIVE
checkpoint on its own connection, concurrently with the writers (WAL allows that; PASSIVE never waits). The
last connection to close checkpoints as usual.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

try:
    import fcntl
except ImportError:  # not on Linux or macOS: threads of one process still queue
    fcntl = None  # type: ignore[assignment]

from django.db.backends.sqlite3 import base

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "WITH")
LOCK_WAIT_SECONDS = 30.0  # then go ahead and let SQLite's busy timeout decide
CHECKPOINT_ROWS = (
    1000  # rows changed by this process's commits between two checkpoints (~SQLite's 1,000 pages)
)


class WriterLock:
    """One writer at a time per database file: a thread lock for the threads of this process, then an
    exclusive flock on ``<database>-writer.lock`` for the processes (the kernel wakes a waiter the moment the
    holder releases: no sleeping steps). The lock file is opened once per process (after a fork, again)."""

    def __init__(self, name: str) -> None:
        self.path = f"{name}-writer.lock"
        self.threads = threading.Lock()
        self.fd: int | None = None
        self.pid = 0

    def _file(self) -> int | None:
        if self.fd is None or self.pid != os.getpid():
            try:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                self.fd = None  # a read-only directory: threads of this process still queue
            self.pid = os.getpid()
        return self.fd

    def acquire(self, timeout: float) -> bool:
        if not self.threads.acquire(timeout=timeout):
            return False
        fd = self._file()
        if fd is not None and fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                pass
        return True

    def release(self) -> None:
        fd = self.fd if self.pid == os.getpid() else None
        try:
            if fd is not None and fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


_locks: dict[str, WriterLock] = {}
_locks_guard = threading.Lock()


def writer_lock(name: str) -> WriterLock:
    with _locks_guard:
        lock = _locks.get(name)
        if lock is None:
            lock = _locks[name] = WriterLock(name)
        return lock


class Checkpointer:
    """The checkpoints of one database file in this process: a daemon thread that runs a PASSIVE checkpoint
    on its own connection when the writers of this process have changed ``CHECKPOINT_ROWS`` rows since the
    last one. Started on first use, and again after a fork."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0
        self.guard = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid = 0
        self.done = 0  # checkpoints run, for tests and diagnostics

    def wrote(self, rows: int) -> None:
        if rows <= 0:
            return
        with self.guard:
            self.rows += rows
            if self.rows < CHECKPOINT_ROWS:
                return
            self.rows = 0
            if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
                self.pid = os.getpid()
                self.wake = threading.Event()
                self.thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
                self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        wake = self.wake
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(self.name, isolation_level=None, check_same_thread=False)
            while True:
                wake.wait()
                wake.clear()
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    pass  # busy or gone: the next threshold tries again, the last close checkpoints anyway
                self.done += 1
        except sqlite3.Error:
            return
        finally:
            if db is not None:
                db.close()


_checkpointers: dict[str, Checkpointer] = {}


def checkpointer(name: str) -> Checkpointer:
    with _locks_guard:
        found = _checkpointers.get(name)
        if found is None:
            found = _checkpointers[name] = Checkpointer(name)
        return found


class CursorWrapper(base.SQLiteCursorWrapper):
    wrapper: DatabaseWrapper

    def execute(self, query: str, params: Any = None) -> Any:
        if self.wrapper.holds_writer_lock or self.connection.in_transaction or not _is_write(query):
            return super().execute(query, params)
        with self.wrapper.writer():
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        if self.wrapper.holds_writer_lock or self.connection.in_transaction or not _is_write(query):
            return super().executemany(query, param_list)
        with self.wrapper.writer():
            return super().executemany(query, param_list)


def _is_write(query: str) -> bool:
    return query.lstrip()[:8].upper().startswith(WRITES)


class _Held:
    def __init__(self, wrapper: DatabaseWrapper) -> None:
        self.wrapper = wrapper

    def __enter__(self) -> None:
        self.wrapper.take_writer_lock()

    def __exit__(self, *exc: Any) -> None:
        self.wrapper.release_writer_lock()
        self.wrapper.count_written()


class DatabaseWrapper(base.DatabaseWrapper):
    holds_writer_lock = False
    changes_seen = 0

    def get_new_connection(self, conn_params: Any) -> Any:
        conn = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it, outside the lock
        self.changes_seen = conn.total_changes
        return conn

    def count_written(self) -> None:
        """After a commit: hand the rows this connection changed to the process's checkpointer."""
        conn = self.connection
        if conn is None or conn.in_transaction or self.is_in_memory_db():
            return
        total = conn.total_changes
        rows, self.changes_seen = total - self.changes_seen, total
        checkpointer(str(self.settings_dict["NAME"])).wrote(rows)

    def writer(self) -> _Held:
        return _Held(self)

    def take_writer_lock(self) -> None:
        if self.holds_writer_lock or self.is_in_memory_db():
            return
        self.holds_writer_lock = writer_lock(str(self.settings_dict["NAME"])).acquire(
            timeout=LOCK_WAIT_SECONDS
        )

    def release_writer_lock(self) -> None:
        if self.holds_writer_lock:
            self.holds_writer_lock = False
            writer_lock(str(self.settings_dict["NAME"])).release()

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = self.connection.cursor(factory=CursorWrapper)
        cursor.wrapper = self
        return cursor

    def _start_transaction_under_autocommit(self) -> None:
        self.take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self.release_writer_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            if not (self.connection is not None and self.connection.in_transaction):
                self.release_writer_lock()
        self.count_written()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self.release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self.release_writer_lock()

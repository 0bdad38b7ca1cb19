"""The job runner's process: the scheduler of periodic jobs, the delivery of notifications and the queue of
one-off tasks (django-tasks with its database backend), each in its own thread with its own connection.

``fangkong worker`` runs it alone (larger deployments run one or more next to the app servers);
``fangkong demo`` and ``fangkong serve`` start it as a child process, which stops when its parent stops.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from fangkong.core import jobs, notify

logger = logging.getLogger("fangkong.worker")


class Worker:
    def __init__(
        self, *, tick_seconds: float | None = None, deliver_seconds: float = 0.5, tasks_seconds: float = 1.0
    ) -> None:
        self.tick_seconds = float(tick_seconds or settings.FANGKONG_WORKER_TICK_SECONDS)
        self.deliver_seconds = deliver_seconds
        self.tasks_seconds = tasks_seconds
        self._stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self._tasks_worker: Any = None

    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        if self._tasks_worker is not None:
            self._tasks_worker.running = False

    def _deliver_loop(self) -> None:
        while not self.stopped():
            close_old_connections()
            try:
                sent = notify.deliver_pending()
            except Exception:  # the loop survives; the next pass tries again
                logger.exception("delivery pass failed")
                sent = 0
            if not sent:
                self._stop.wait(self.deliver_seconds)
        connection.close()

    def _schedule_loop(self) -> None:
        jobs.run_forever(stop=self.stopped, interval=self.tick_seconds)
        connection.close()

    def _tasks_loop(self) -> None:
        """One-off tasks (django-tasks). Its worker claims a task in an exclusive transaction, which on
        SQLite takes the database's write lock: polling it every second would take the lock every second
        under the requests' writes. So this loop looks with a plain read (no lock) whether a task is ready,
        and only then runs django-tasks' worker, in batch mode, until none is left."""
        while not self.stopped():
            close_old_connections()
            if not self.tasks_pass():
                self._stop.wait(self.tasks_seconds)
        connection.close()

    def tasks_pass(self) -> bool:
        """Run the ready one-off tasks, if a plain read finds any; False when none was ready."""
        from django_tasks_db.management.commands.db_worker import Worker as TasksWorker
        from django_tasks_db.models import DBTaskResult

        try:
            ready = DBTaskResult.objects.ready().filter(backend_name="default").exists()
        except Exception:  # the loop survives a broken database moment
            logger.exception("task poll failed")
            return False
        if not ready or self.stopped():
            return False
        self._tasks_worker = TasksWorker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=jobs.worker_name()[:64],
            excluded_queue_names=[],
        )
        try:
            self._tasks_worker.run()
        except Exception:
            logger.exception("task batch failed")
        return True

    def start(self) -> None:
        for name, target in (
            ("deliver", self._deliver_loop),
            ("schedule", self._schedule_loop),
            ("tasks", self._tasks_loop),
        ):
            thread = threading.Thread(target=target, name=f"fangkong-{name}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self, timeout: float | None = None) -> None:
        for thread in self.threads:
            thread.join(timeout)

    def run(self, *, parent_pid: int | None = None) -> None:
        """Run until stopped (or, as a child of a server, until the parent process is gone)."""
        self.start()
        try:
            while not self.stopped():
                if parent_pid is not None and os.getppid() != parent_pid:
                    logger.info("parent process gone; worker stops")
                    break
                if not any(t.is_alive() for t in self.threads):
                    break
                time.sleep(1.0)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
            self.join(timeout=10)


def spawn_child(extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes] | None:
    """Start ``fangkong worker --parent PID`` next to a server process (demo, serve)."""
    if not settings.FANGKONG_WORKER:
        return None
    env = {**os.environ, **(extra_env or {})}
    argv = [sys.executable, "-m", "fangkong", "worker", "--parent", str(os.getpid())]
    return subprocess.Popen(argv, env=env)


def run_until(predicate: Callable[[], bool], *, timeout: float) -> bool:
    """Wait (polling) until ``predicate()`` holds; for tests and benchmarks."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()

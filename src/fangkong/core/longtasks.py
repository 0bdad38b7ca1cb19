"""Long work runs in the job runner, never in a request: one mechanism for every kind.

A request that would take long (a large export, a large import commit, an optimiser or roster solve) calls
``start()``: it stores a ``LongTask`` for the user, queues it (django-tasks, database backend) when the
transaction commits, and answers with the task's progress page (``io:task``), which polls while the task
is queued or running. The user may leave the page: when the task ends, the worker stores an inbox message
with the link to its result (the download, the import's result page, the proposal or the roster).

A kind is a function registered by the app that owns the work (``register(kind, runner)``, from
``AppConfig.ready()``). The runner gets the task and a ``Progress`` to report rows done; it returns an
``Outcome`` (the message and the link), or raises ``Refused`` for an expected failure whose message the
user should read (an import with errors). Any other exception fails the task with a generic message.

Progress is written to a small file under ``VAR_DIR/tasks`` (at most twice a second), not to the database:
an import commits in one transaction, and on SQLite a second connection could not write while it runs.
The worker and the web processes share the var directory (exports are kept there too).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task as tasks_task

logger = logging.getLogger("fangkong.longtasks")


class Refused(Exception):
    """An expected failure: ``message`` is shown to the user; ``link`` is where to fix it."""

    def __init__(self, message: str, link: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.link = link


@dataclass
class Outcome:
    subject: str
    body: str = ""
    link: str = ""
    done: int | None = None
    result: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)


Runner = Callable[[Any, "Progress"], Outcome]
_runners: dict[str, Runner] = {}


def register(kind: str, runner: Runner) -> None:
    _runners[kind] = runner


def progress_dir() -> Path:
    path = Path(settings.VAR_DIR) / "tasks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _progress_path(task_id: Any) -> Path:
    return progress_dir() / f"{task_id}.json"


class Progress:
    """Reports rows done (and, when it becomes known, the total) of a running task."""

    def __init__(self, task: Any, every_seconds: float = 0.5) -> None:
        self.task_id = str(task.pk)
        self.total = int(task.total)
        self.done = 0
        self.every = every_seconds
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        self.done = int(done)
        if total is not None:
            self.total = int(total)
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        path = _progress_path(self.task_id)
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps({"done": self.done, "total": self.total}))
        os.replace(tmp, path)


def read_progress(task: Any) -> tuple[int, int]:
    """(done, total) of a task: from its progress file while it runs, else from the row."""
    done, total = int(task.done), int(task.total)
    if task.status == "running":
        try:
            data = json.loads(_progress_path(task.pk).read_text())
            done, total = max(done, int(data.get("done", 0))), int(data.get("total") or total)
        except (OSError, ValueError):
            pass
    return done, total


def start(
    *,
    user: Any,
    kind: str,
    title: str = "",
    total: int = 0,
    slug: str = "",
    params: dict[str, Any] | None = None,
) -> Any:
    """Store and queue a long task of ``user`` (it runs when the current transaction commits)."""
    from fangkong.core.models import LongTask

    if kind not in _runners:
        raise LookupError(f"no long task kind {kind!r} is registered")
    with transaction.atomic():
        task = LongTask.objects.create(
            user=user, kind=kind, title=str(title)[:200], slug=slug, total=total, params=params or {}
        )
        transaction.on_commit(lambda: run_long_task.enqueue(str(task.pk)))
    return task


def page(task: Any) -> str:
    return reverse("io:task", args=[task.pk])


def run(task_id: str) -> dict[str, Any]:
    """Run a queued task (in the worker): take it with a conditional UPDATE (a task runs once, however often
    it was enqueued), run its kind, record the outcome and tell the user in the inbox."""
    from fangkong.core import notify
    from fangkong.core.choices import LongTaskStatus
    from fangkong.core.models import LongTask

    started = timezone.now()
    taken = LongTask.objects.filter(pk=task_id, status=LongTaskStatus.QUEUED).update(
        status=LongTaskStatus.RUNNING, started_at=started
    )
    if not taken:
        return {"skipped": LongTask.objects.filter(pk=task_id).values_list("status", flat=True).first()}
    task = LongTask.objects.select_related("user").get(pk=task_id)
    progress = Progress(task)
    title = task.title or task.kind
    try:
        runner = _runners.get(task.kind)
        if runner is None:
            raise LookupError(f"no long task kind {task.kind!r} is registered")
        outcome = runner(task, progress)
    except Exception as exc:
        refused = isinstance(exc, Refused)
        if not refused:
            logger.exception("long task %s (%s) failed", task.pk, task.kind)
        message = exc.message if isinstance(exc, Refused) else _("处理出错，请重试或联系管理员。")
        link = exc.link if isinstance(exc, Refused) else ""
        LongTask.objects.filter(pk=task.pk).update(
            status=LongTaskStatus.FAILED,
            error=str(message)[:300],
            link=link[:200],
            done=progress.done,
            finished_at=timezone.now(),
        )
        _progress_path(task.pk).unlink(missing_ok=True)
        notify.notify(
            kind="core.task",
            subject=_("未完成：%(title)s") % {"title": title},
            body=str(message),
            recipient=task.user,
            link=link or page(task),
        )
        if refused:
            return {"refused": str(message)}
        raise
    done = outcome.done if outcome.done is not None else progress.done
    LongTask.objects.filter(pk=task.pk).update(
        status=LongTaskStatus.DONE,
        done=done,
        total=max(done, progress.total, task.total),
        finished_at=timezone.now(),
        link=outcome.link[:200],
        result=outcome.result,
        error="",
        **outcome.fields,
    )
    _progress_path(task.pk).unlink(missing_ok=True)
    notify.notify(
        kind="core.task",
        subject=outcome.subject,
        body=outcome.body,
        recipient=task.user,
        link=outcome.link or page(task),
    )
    return {"done": done}


@tasks_task()
def run_long_task(task_id: str) -> dict[str, Any]:
    """The queued form of ``run`` (django-tasks: the worker runs it)."""
    return run(task_id)


def progress(task: Any) -> dict[str, Any]:
    """Rows done and total, percent and an estimate of the seconds left. A task measured in seconds (a
    solve, whose ``params`` name its ``time_limit``) shows the time used against the limit."""
    done, total = read_progress(task)
    limit = float(task.params.get("time_limit") or 0) if isinstance(task.params, dict) else 0.0
    elapsed = (timezone.now() - task.started_at).total_seconds() if task.started_at else 0.0
    left = None
    if limit and not total:
        percent = 100 if task.status == "done" else 0
        if task.status == "running":
            percent = min(99, int(elapsed * 100 / limit))
            left = max(int(limit - elapsed), 0)
        return {"percent": percent, "left": left, "done": done, "total": total, "seconds": int(elapsed)}
    percent = 100 if task.status == "done" else min(100, int(done * 100 / max(total, 1)))
    if task.status == "running" and done:
        left = int(elapsed / done * max(total - done, 0))
    return {"percent": percent, "left": left, "done": done, "total": total, "seconds": int(elapsed)}


def wait_for(task_id: Any, timeout: float = 60.0) -> Any:
    """Poll a task until it is no longer queued or running (tests, benchmarks)."""
    from fangkong.core.models import LongTask

    end = time.monotonic() + timeout
    while True:
        task = LongTask.objects.get(pk=task_id)
        if task.status not in ("queued", "running") or time.monotonic() > end:
            return task
        time.sleep(0.2)


def open_for(user: Any, *, kind: str, key: str, value: Any) -> Any:
    """The user's queued or running task of ``kind`` whose params[key] is ``value`` (a second submit of
    the same work joins it instead of queuing it again)."""
    from fangkong.core.models import LongTask

    for task in LongTask.objects.filter(user=user, kind=kind, status__in=["queued", "running"]):
        if isinstance(task.params, dict) and task.params.get(key) == value:
            return task
    return None

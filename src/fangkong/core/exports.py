"""Large exports run in the job runner, never in a request.

An export of up to ``FANGKONG_EXPORT_INLINE_ROWS`` rows is written in the request as before. A larger one is
an ``ExportTask``: the request only queues it (django-tasks) and answers with a progress page; the worker
writes the file, counting rows as it goes, and tells the user in the inbox when it is ready. The user may
leave the page. The file is kept encrypted with the data key (it may hold plaintext ID numbers) and deleted
``FANGKONG_EXPORT_KEEP_HOURS`` after it was written; only its owner can download it, and the download is
audited.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from fangkong.core import audit, crypto
from fangkong.core.choices import AuditAction

logger = logging.getLogger("fangkong.exports")

PROGRESS_EVERY = 2000


def export_dir() -> Path:
    path = Path(settings.VAR_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def inline_limit() -> int:
    return int(getattr(settings, "FANGKONG_EXPORT_INLINE_ROWS", 3000))


def _seal_file(plain: Path, sealed: Path) -> None:
    ring = crypto.keyring()
    data = plain.read_bytes()
    nonce = os.urandom(12)
    body = ring.keys[ring.primary_id].encrypt(nonce, data, b"fangkong-export")
    sealed.write_bytes(ring.primary_id.encode() + b"$" + nonce + body)


def open_sealed(path: Path) -> bytes:
    ring = crypto.keyring()
    raw = path.read_bytes()
    key_id, _sep, rest = raw.partition(b"$")
    return ring.keys[key_id.decode()].decrypt(rest[:12], rest[12:], b"fangkong-export")


def audit_export(user: Any, fmt: Any, count: int, *, note: str = "") -> None:
    audit.record(
        actor=user,
        action=AuditAction.EXPORT,
        object_type=fmt.model._meta.label_lower if fmt.model else fmt.slug,
        object_repr=str(fmt.title),
        changes={
            "format": fmt.slug,
            "rows": count,
            "plaintext": bool(user.is_superuser or getattr(user, "may_reveal_personal_data", False)),
        },
        note=note,
    )


def start_export(*, user: Any, slug: str, total: int) -> Any:
    """Queue a large export for the worker; returns its ExportTask."""
    from fangkong.core.models import ExportTask

    with transaction.atomic():
        task = ExportTask.objects.create(user=user, slug=slug, total=total)
        transaction.on_commit(lambda: run_export_task.enqueue(str(task.pk)))
    return task


def run_export(task_id: str) -> dict[str, Any]:
    """Write the export of an ExportTask (in the worker), with progress, then notify its owner."""
    from fangkong.core import notify, spreadsheets
    from fangkong.core.models import ExportTask, ExportTaskStatus

    task = ExportTask.objects.select_related("user").get(pk=task_id)
    if task.status != ExportTaskStatus.QUEUED:
        return {"skipped": task.status}
    ExportTask.objects.filter(pk=task.pk).update(status=ExportTaskStatus.RUNNING, started_at=timezone.now())
    user = task.user
    fmt = spreadsheets.get_format(task.slug)
    try:
        if fmt is None or not fmt.allowed(user):
            raise PermissionError(task.slug)
        queryset = fmt.export_queryset(user)

        def rows() -> Any:
            done = 0
            for row in fmt.export_rows(user, queryset):
                yield row
                done += 1
                if done % PROGRESS_EVERY == 0:
                    ExportTask.objects.filter(pk=task.pk).update(done=done)

        with tempfile.NamedTemporaryFile(suffix=".xlsx", dir=export_dir(), delete=False) as handle:
            plain = Path(handle.name)
        try:
            count = spreadsheets.write_xlsx(fmt, rows(), str(plain))
            sealed = export_dir() / f"{task.pk}.xlsx.sealed"
            _seal_file(plain, sealed)
        finally:
            plain.unlink(missing_ok=True)
    except Exception as exc:
        logger.exception("export %s failed", task.pk)
        ExportTask.objects.filter(pk=task.pk).update(
            status=ExportTaskStatus.FAILED, error=str(exc)[:300], finished_at=timezone.now()
        )
        notify.notify(
            kind="core.export",
            subject=_("导出失败：%(title)s") % {"title": fmt.title if fmt else task.slug},
            recipient=user,
            link=reverse("io:export_task", args=[task.pk]),
        )
        raise
    keep = dt.timedelta(hours=int(getattr(settings, "FANGKONG_EXPORT_KEEP_HOURS", 24)))
    now = timezone.now()
    ExportTask.objects.filter(pk=task.pk).update(
        status=ExportTaskStatus.DONE,
        done=count,
        total=max(count, task.total),
        finished_at=now,
        expires_at=now + keep,
        file_name=sealed.name,
    )
    audit_export(user, fmt, count, note="background")
    notify.notify(
        kind="core.export",
        subject=_("导出已完成：%(title)s（%(n)d 行）") % {"title": fmt.title, "n": count},
        body=_("文件保留至 %(t)s。") % {"t": timezone.localtime(now + keep).strftime("%Y-%m-%d %H:%M")},
        recipient=user,
        link=reverse("io:export_task", args=[task.pk]),
    )
    return {"rows": count}


@task()
def run_export_task(task_id: str) -> dict[str, Any]:
    """The queued form of ``run_export`` (django-tasks: the worker runs it)."""
    return run_export(task_id)


def expire_exports(period: dt.datetime) -> dict[str, int]:
    """Delete export files past their time (a periodic job)."""
    from fangkong.core.models import ExportTask, ExportTaskStatus

    removed = 0
    for old in ExportTask.objects.filter(status=ExportTaskStatus.DONE, expires_at__lte=period):
        if old.file_name:
            (export_dir() / old.file_name).unlink(missing_ok=True)
        ExportTask.objects.filter(pk=old.pk).update(status=ExportTaskStatus.EXPIRED, file_name="")
        removed += 1
    return {"removed": removed}


def progress(task: Any) -> dict[str, Any]:
    """Rows done, percent and an estimate of the seconds left."""
    total = max(task.total, 1)
    percent = min(100, int(task.done * 100 / total))
    left = None
    if task.started_at and task.done and task.status == "running":
        elapsed = (timezone.now() - task.started_at).total_seconds()
        left = int(elapsed / task.done * max(task.total - task.done, 0))
    return {"percent": percent, "left": left}


def wait_for(task_id: Any, timeout: float = 60.0) -> Any:
    """Poll an export task until it is no longer queued or running (tests, benchmarks)."""
    from fangkong.core.models import ExportTask

    end = time.monotonic() + timeout
    while True:
        task = ExportTask.objects.get(pk=task_id)
        if task.status not in ("queued", "running") or time.monotonic() > end:
            return task
        time.sleep(0.2)

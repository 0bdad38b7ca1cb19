"""Large exports run in the job runner, never in a request.

An export of up to ``FANGKONG_EXPORT_INLINE_ROWS`` rows is written in the request as before. A larger one is
a long task (``core.longtasks``, kind ``core.export``): the request only queues it and answers with a
progress page; the worker writes the file, counting rows as it goes, and tells the user in the inbox when
it is ready. The user may
leave the page. The file is kept encrypted with the data key (it may hold plaintext ID numbers) and deleted
``FANGKONG_EXPORT_KEEP_HOURS`` after it was written; only its owner can download it, and the download is
audited.

Every export is audited here, in the exports machinery, never by a view: ``record_export`` is the one call
(``audit_export`` for a spreadsheet format, ``write_inline`` for an export written in the request,
``read_download`` for a background export's download); an app's own workbook export wraps its builder in
``record_export`` (``pairing.exports.export_board``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
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


def record_export(user: Any, *, obj: Any = None, note: str = "", **what: Any) -> None:
    """The audit event of an export by ``user`` (of ``obj``, or of what ``object_type``, ``object_id``,
    ``object_repr`` and ``changes`` name)."""
    audit.record(actor=user, action=AuditAction.EXPORT, obj=obj, note=note, **what)


def audit_export(user: Any, fmt: Any, count: int, *, note: str = "") -> None:
    record_export(
        user,
        object_type=fmt.model._meta.label_lower if fmt.model else fmt.slug,
        object_repr=str(fmt.title),
        changes={
            "format": fmt.slug,
            "rows": count,
            "plaintext": bool(user.is_superuser or getattr(user, "may_reveal_personal_data", False)),
        },
        note=note,
    )


def write_inline(user: Any, fmt: Any, queryset: Any, path: str) -> int:
    """Write a small export in the request to ``path`` and audit it; returns the rows written."""
    from fangkong.core import spreadsheets

    count = spreadsheets.write_xlsx(fmt, fmt.export_rows(user, queryset), path)
    audit_export(user, fmt, count)
    return count


def read_download(user: Any, task: Any) -> bytes:
    """The workbook of a finished background export (``path`` exists), for its owner; the download is
    audited."""
    data = open_sealed(export_dir() / task.file_name)
    record_export(
        user,
        object_type="core.longtask",
        object_id=str(task.pk),
        object_repr=task.slug,
        changes={"format": task.slug, "rows": task.done, "download": True},
    )
    return data


def start_export(*, user: Any, slug: str, total: int) -> Any:
    """Queue a large export for the worker; returns its LongTask."""
    from fangkong.core import longtasks, spreadsheets

    fmt = spreadsheets.get_format(slug)
    title = _("导出：%(title)s") % {"title": fmt.title if fmt else slug}
    return longtasks.start(user=user, kind="core.export", title=title, slug=slug, total=total)


def run_export(task_id: str) -> dict[str, Any]:
    """Run a queued export now (what the worker does; tests and benchmarks call it directly)."""
    from fangkong.core import longtasks

    return longtasks.run(task_id)


def export_runner(task: Any, progress: Any) -> Any:
    """The ``core.export`` long task: write the file (counting rows), seal it, audit the export."""
    from fangkong.core import longtasks, spreadsheets

    user = task.user
    fmt = spreadsheets.get_format(task.slug)
    if fmt is None or not fmt.allowed(user):
        raise longtasks.Refused(_("无权导出该数据。"))
    queryset = fmt.export_queryset(user)

    def rows() -> Any:
        done = 0
        for row in fmt.export_rows(user, queryset):
            yield row
            done += 1
            if done % PROGRESS_EVERY == 0:
                progress(done)

    with tempfile.NamedTemporaryFile(suffix=".xlsx", dir=export_dir(), delete=False) as handle:
        plain = Path(handle.name)
    try:
        count = spreadsheets.write_xlsx(fmt, rows(), str(plain))
        sealed = export_dir() / f"{task.pk}.xlsx.sealed"
        _seal_file(plain, sealed)
    finally:
        plain.unlink(missing_ok=True)
    keep = dt.timedelta(hours=int(getattr(settings, "FANGKONG_EXPORT_KEEP_HOURS", 24)))
    expires = timezone.now() + keep
    audit_export(user, fmt, count, note="background")
    return longtasks.Outcome(
        subject=_("导出已完成：%(title)s（%(n)d 行）") % {"title": fmt.title, "n": count},
        body=_("文件保留至 %(t)s。") % {"t": timezone.localtime(expires).strftime("%Y-%m-%d %H:%M")},
        link=reverse("io:task", args=[task.pk]),
        done=count,
        fields={"expires_at": expires, "file_name": sealed.name},
    )


@task()
def run_export_task(task_id: str) -> dict[str, Any]:
    """An export queued before exports became long tasks (the worker runs it the same way)."""
    return run_export(task_id)


def expire_exports(period: dt.datetime) -> dict[str, int]:
    """Delete export files past their time (a periodic job)."""
    from fangkong.core.choices import LongTaskStatus
    from fangkong.core.models import LongTask

    removed = 0
    for old in LongTask.objects.filter(
        kind="core.export", status=LongTaskStatus.DONE, expires_at__lte=period
    ):
        if old.file_name:
            (export_dir() / old.file_name).unlink(missing_ok=True)
        LongTask.objects.filter(pk=old.pk).update(status=LongTaskStatus.EXPIRED, file_name="")
        removed += 1
    return {"removed": removed}


def progress(task: Any) -> dict[str, Any]:
    from fangkong.core import longtasks

    return longtasks.progress(task)


def wait_for(task_id: Any, timeout: float = 60.0) -> Any:
    from fangkong.core import longtasks

    return longtasks.wait_for(task_id, timeout)

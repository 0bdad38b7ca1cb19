"""Spreadsheet pages: /io/ (formats), /io/<slug>/import/ (upload → preview → commit), export and template.

A user who may not use a format (see ``SpreadsheetFormat.allowed``) gets a 404, anonymous users the login
page. Nothing is written at preview; the commit runs in one transaction and is audited, and a second
submit of the same upload shows the first result instead of importing again. A commit of more rows than
``FANGKONG_IMPORT_INLINE_ROWS`` (counted by the preview) and an export of more than
``FANGKONG_EXPORT_INLINE_ROWS`` run in the job runner: the request answers with the task's progress page
(``/io/tasks/<id>/``).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core import exports, io_tasks, longtasks, spreadsheets
from fangkong.core.choices import Role
from fangkong.core.errors import error_text
from fangkong.core.htmx import is_htmx
from fangkong.core.navigation import MenuItem
from fangkong.core.spreadsheets import FileError, ImportRefused, SpreadsheetFormat, UploadStore

IO_MENU_ITEMS = [
    MenuItem(
        label=gettext_lazy("导入/导出"),
        url_name="io:index",
        roles=(Role.HQ, Role.OFFICE, Role.STAFF),
        order=80,
    )
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("xlsx 文件"),
        help_text=gettext_lazy("请使用本页提供的模板；第一行为表头。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not str(upload.name).lower().endswith(".xlsx"):
            raise ValidationError(_("只能上传 .xlsx 文件（Excel 2007 及以上）。"), code="extension")
        if upload.size == 0:
            raise ValidationError(_("文件是空的。"), code="empty")
        if upload.size > spreadsheets.MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件过大（上限 50 MB）。"), code="size")
        return upload


def _format_for(request: HttpRequest, slug: str) -> SpreadsheetFormat:
    fmt = spreadsheets.get_format(slug)
    if fmt is None or not fmt.allowed(request.user):
        raise Http404
    return fmt


def _upload_for(request: HttpRequest, fmt: SpreadsheetFormat, token: str) -> spreadsheets.Upload:
    upload = UploadStore().get(token, user=request.user, slug=fmt.slug)
    if upload is None:
        raise Http404
    return upload


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    formats = [f for f in spreadsheets.all_formats() if f.allowed(request.user)]
    if not formats:
        raise Http404
    return render(request, "core/io_index.html", {"formats": formats})


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest, slug: str) -> HttpResponse:
    fmt = _format_for(request, slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = UploadStore().save(user=request.user, slug=fmt.slug, upload=form.cleaned_data["file"])
        except FileError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("io:preview", slug=fmt.slug, token=upload.token)
    return render(request, "core/io_import.html", {"fmt": fmt, "form": form}, status=200)


def _render_preview(
    request: HttpRequest,
    fmt: SpreadsheetFormat,
    upload: spreadsheets.Upload,
    report: spreadsheets.Report | None,
    *,
    file_error: str = "",
    refused: bool = False,
) -> HttpResponse:
    return render(
        request,
        "core/io_preview.html",
        {
            "fmt": fmt,
            "upload": upload,
            "report": report,
            "file_error": file_error,
            "refused": refused,
            "form": UploadForm(),
        },
    )


@login_required
@require_GET
def preview(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    fmt = _format_for(request, slug)
    upload = _upload_for(request, fmt, token)
    if "result" in upload.meta:
        return redirect("io:done", slug=fmt.slug, token=token)
    try:
        report = spreadsheets.preview_import(fmt, upload.read(), actor=request.user)
    except FileError as exc:
        return _render_preview(request, fmt, upload, None, file_error=exc.message)
    except FileNotFoundError:
        raise Http404
    if upload.meta.get("rows") != report.rows:
        UploadStore().note(upload, rows=report.rows)  # the commit queues a large import (io_tasks)
    return _render_preview(request, fmt, upload, report)


@login_required
@require_POST
def commit(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    fmt = _format_for(request, slug)
    store = UploadStore()
    upload = _upload_for(request, fmt, token)
    if "result" in upload.meta:
        messages.info(request, _("该文件已导入，未重复导入。"))
        return redirect("io:done", slug=fmt.slug, token=token)
    if io_tasks.runs_in_background(upload):
        task = io_tasks.start_import(user=request.user, fmt=fmt, upload=upload)
        return redirect("io:task", pk=task.pk)
    if not store.claim(upload):
        messages.warning(request, _("该文件正在导入，请稍候刷新。"))
        return redirect("io:done", slug=fmt.slug, token=token)
    try:
        report = spreadsheets.run_import(
            fmt, upload.read(), actor=request.user, token=token, filename=upload.filename
        )
    except ImportRefused as exc:
        store.release(upload)
        messages.error(request, _("导入被拒绝：存在错误，未写入任何数据。"))
        return _render_preview(request, fmt, upload, exc.report, refused=True)
    except FileError as exc:
        store.release(upload)
        return _render_preview(request, fmt, upload, None, file_error=exc.message)
    except ValidationError as exc:  # a conflicting concurrent change
        store.release(upload)
        messages.error(request, error_text(exc, "；"))
        return redirect("io:preview", slug=fmt.slug, token=token)
    except FileNotFoundError:
        store.release(upload)
        raise Http404
    except BaseException:
        store.release(upload)
        raise
    store.finish(upload, report.as_dict())
    messages.success(request, _("导入完成。"))
    return redirect("io:done", slug=fmt.slug, token=token)


@login_required
@require_GET
def done(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    fmt = _format_for(request, slug)
    upload = _upload_for(request, fmt, token)
    result = upload.meta.get("result")
    return render(request, "core/io_done.html", {"fmt": fmt, "upload": upload, "result": result})


@login_required
@require_GET
def export(request: HttpRequest, slug: str) -> HttpResponse:
    """Small exports are written in the request; a large one is queued for the job runner and the user
    follows its progress (and gets an inbox message with the download)."""
    fmt = _format_for(request, slug)
    user = request.user
    queryset = fmt.export_queryset(user)
    total = queryset.count()
    if total > exports.inline_limit():
        task = exports.start_export(user=user, slug=fmt.slug, total=total)
        return redirect("io:task", pk=task.pk)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - streamed, then removed
    handle.close()
    try:
        exports.write_inline(user, fmt, queryset, handle.name)
        stream = open(handle.name, "rb")  # noqa: SIM115 - FileResponse closes it
    finally:
        os.unlink(handle.name)  # the open handle keeps the data readable
    name = f"{fmt.slug}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=name, content_type=XLSX)  # type: ignore[return-value]


def _own_task(request: HttpRequest, pk: Any) -> Any:
    from fangkong.core.models import LongTask

    task = LongTask.objects.filter(pk=pk, user_id=request.user.pk or 0).first()
    if task is None:
        raise Http404
    return task


@login_required
@require_GET
def task_page(request: HttpRequest, pk: Any) -> HttpResponse:
    """A long task's progress (rows done, time left), polled while it runs; then its result or download."""
    task = _own_task(request, pk)
    template = "core/_task_progress.html" if is_htmx(request) else "core/task.html"
    return render(request, template, {"task": task, "progress": longtasks.progress(task)})


@login_required
@require_GET
def export_download(request: HttpRequest, pk: Any) -> HttpResponse:
    from fangkong.core.choices import LongTaskStatus

    task = _own_task(request, pk)
    if task.kind != "core.export" or task.status != LongTaskStatus.DONE or not task.file_name:
        raise Http404
    path = exports.export_dir() / task.file_name
    if not path.exists():
        raise Http404
    data = exports.read_download(request.user, task)
    response = HttpResponse(data, content_type=XLSX)
    name = f"{task.slug}-{timezone.localtime(task.created_at):%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def template(request: HttpRequest, slug: str) -> HttpResponse:
    fmt = _format_for(request, slug)
    response = HttpResponse(content_type=XLSX)
    spreadsheets.template_xlsx(fmt, response)
    response["Content-Disposition"] = f'attachment; filename="{fmt.slug}-template.xlsx"'
    return response


def import_url(slug: str) -> str:
    return reverse("io:import", kwargs={"slug": slug})

"""The daily reports' pages: the list, one report (HTML), its PDF and xlsx, and the regeneration of a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command import access, reports
from fangkong.command.models import DailyReport
from fangkong.core import longtasks
from fangkong.core.exports import record_export


def _reports(user: Any) -> Any:
    if not access.report_reader(user):
        raise Http404
    return DailyReport.objects.visible_to(user)


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = _reports(user).only("pk", "day", "pages", "generated_at", "subdistrict_id", "content")
    page = Paginator(qs.order_by("-day", "subdistrict_id"), 31).get_page(request.GET.get("page"))
    from django.apps import apps

    subdistrict_model: Any = apps.get_model("registry", "SubDistrict")
    subs = list(subdistrict_model.objects.visible_to(user).order_by("pk").values_list("pk", "name"))
    return render(
        request,
        "command/reports.html",
        {
            "page": page,
            "subdistricts": subs if access.may_generate_report(user) else [],
            "yesterday": timezone.localdate() - dt.timedelta(days=1),
            "flags": access.flags(user),
        },
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(_reports(request.user), pk=pk)
    return render(
        request,
        "command/report.html",
        {
            "report": report,
            "content": report.content,
            "sections": reports.sections(report.content),
            "headline": reports.headline(report.content),
            "flags": access.flags(request.user),
        },
    )


@login_required
def report_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = get_object_or_404(_reports(request.user), pk=pk)
    name = f"daily-report-{report.day.isoformat()}"
    if fmt == "pdf":
        body, content_type = bytes(report.pdf), "application/pdf"
    elif fmt == "xlsx":
        body = reports.render_xlsx(report.content)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    record_export(request.user, obj=report, changes={"format": fmt})
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    """HQ regenerates a past day's report: a long task with its progress page."""
    user = request.user
    if not access.may_generate_report(user):
        raise Http404
    from django.apps import apps

    subdistrict_model: Any = apps.get_model("registry", "SubDistrict")
    raw = request.POST.get("subdistrict", "")
    sub = subdistrict_model.objects.visible_to(user).filter(pk=int(raw) if raw.isdigit() else 0).first()
    if sub is None or not access.may_generate_report(user, sub.pk):
        raise Http404
    day = parse_date(request.POST.get("day", "") or "")
    if day is None or day > timezone.localdate():
        messages.error(request, _("请选择今天或以前的日期。"))
        return redirect("command:reports")
    task = longtasks.start(
        user=user,
        kind="command.daily_report",
        title=_("生成日报：%(sub)s %(day)s") % {"sub": sub.name, "day": day.isoformat()},
        total=2,
        params={"subdistrict_id": sub.pk, "day": day.isoformat()},
    )
    return redirect(longtasks.page(task))


@login_required
def bulletin(request: HttpRequest) -> HttpResponse:
    """The bulletin of a day or a week, composed from the figures; ``?format=txt`` downloads its text."""
    from django.apps import apps

    from fangkong.command import bulletin as composer

    user = request.user
    if not access.report_reader(user):
        raise Http404
    subdistrict_model: Any = apps.get_model("registry", "SubDistrict")
    subs = subdistrict_model.objects.visible_to(user).order_by("pk")
    raw = request.GET.get("sub", "")
    sub = subs.filter(pk=int(raw)).first() if raw.isdigit() else subs.first()
    if sub is None:
        raise Http404
    kind = "week" if request.GET.get("period") == "week" else "day"
    day = min(parse_date(request.GET.get("day", "") or "") or timezone.localdate(), timezone.localdate())
    start, end = composer.period_of(day, kind)
    composed = composer.compose_bulletin(sub, start, end)
    if request.GET.get("format") == "txt":
        record_export(
            user, obj=sub, note="bulletin", changes={"format": "txt", "start": str(start), "end": str(end)}
        )
        response = HttpResponse(composed.plain(), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="bulletin-{start.isoformat()}-{end.isoformat()}.txt"'
        )
        return response
    return render(
        request,
        "command/bulletin.html",
        {
            "composed": composed,
            "kind": kind,
            "day": day,
            "sub": sub,
            "subdistricts": list(subs.values_list("pk", "name")),
            "may_draft": access.may_edit_bulletin(user, sub.pk),
            "flags": access.flags(user),
        },
    )

"""Check-in rounds (打卡): the building's check-in page, its QR code and poster, and the rounds list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from fangkong.core.errors import flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.core.links import public_url
from fangkong.core.qr import qr_svg_document, qr_svg_inline
from fangkong.pairing import access, reports, services
from fangkong.pairing.forms import (
    CheckInForm,
)
from fangkong.pairing.models import (
    BuildingAssignment,
    BuildingTask,
    CheckInRound,
)
from fangkong.pairing.views.common import _managers_only, _readers_only, _subdistrict, _workers_only
from fangkong.registry.models import Building

# ------------------------------------------------------------------ check-in rounds


def checkin_url(building: Building) -> str:
    return public_url("pairing:checkin", building.pk)


@login_required
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page a building's QR poster opens: today's rounds, checked in with a tap."""
    user: Any = request.user
    _workers_only(user)
    building = get_object_or_404(
        Building.objects.visible_to(user).select_related("compound", "neighborhood"), pk=pk
    )
    today = timezone.localdate()
    allowed = access.may_check_in(user, building)
    if request.method == "POST":
        form = CheckInForm(request.POST, request.FILES)
        if not allowed:
            messages.error(request, _("您不是该楼栋的包干负责人或其团队成员，不能打卡。"))
        elif form.is_valid():
            rnd = get_object_or_404(
                CheckInRound.objects.visible_to(user).filter(building=building), pk=form.cleaned_data["round"]
            )
            try:
                rnd, created = services.check_in(
                    actor=user,
                    checkin_round=rnd,
                    note=form.cleaned_data["note"],
                    photo=form.cleaned_data["photo"],
                )
                if created:
                    messages.success(request, _("「%(t)s」已打卡。") % {"t": rnd.template.name})
                else:
                    messages.info(request, _("「%(t)s」此前已打卡，未重复记录。") % {"t": rnd.template.name})
            except ValidationError as exc:
                flash_errors(request, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
        else:
            for field_errors in form.errors.values():
                for err in field_errors:
                    messages.error(request, str(err))
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return redirect(target)  # the home page's one-tap check-in returns there
        return redirect("pairing:checkin", pk=building.pk)
    rounds = (
        CheckInRound.objects.visible_to(user)
        .filter(building=building, date=today)
        .select_related("template", "done_by")
        .order_by("template__name", "slot")
    )
    assignment = (
        BuildingAssignment.objects.filter(building=building).select_related("cadre", "staff", "team").first()
    )
    return render(
        request,
        "pairing/checkin.html",
        {
            "building": building,
            "rounds": rounds,
            "today": today,
            "allowed": allowed,
            "assignment": assignment,
        },
    )


@login_required
def building_qr(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _workers_only(user)
    building = get_object_or_404(Building.objects.visible_to(user), pk=pk)
    return HttpResponse(qr_svg_document(checkin_url(building), scale=8), content_type="image/svg+xml")


@login_required
def building_poster(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _workers_only(user)
    building = get_object_or_404(
        Building.objects.visible_to(user).select_related("compound", "neighborhood"), pk=pk
    )
    url = checkin_url(building)
    templates = BuildingTask.objects.filter(building=building, active=True).select_related("template")
    return render(
        request,
        "pairing/poster.html",
        {"building": building, "qr_svg": qr_svg_inline(url, scale=10), "url": url, "tasks": templates},
    )


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _readers_only(user)
    today = timezone.localdate()
    if request.method == "POST":
        _managers_only(user)
        try:
            if request.POST.get("action") == "overdue":
                sub = _subdistrict(request) if not user.is_superuser else None
                found = services.detect_overdue(subdistrict=sub)
                messages.success(request, _("发现 %(n)d 项逾期打卡，已提醒。") % {"n": len(found)})
            else:
                n_days = min(max(int(request.POST.get("days", 1)), 1), 14)
                n = services.generate_rounds(
                    actor=user, subdistrict=_subdistrict(request), start=today, days=n_days
                )
                messages.success(request, _("已生成 %(n)d 个打卡轮次。") % {"n": n})
        except (ValueError, PermissionDenied, ScopeError):
            raise Http404
        except ValidationError as exc:
            flash_errors(request, exc)
        return redirect("pairing:rounds")
    start = today - dt.timedelta(days=13)
    days = [start + dt.timedelta(days=i) for i in range(14)]
    table = reports.completion(user, start, today)
    heat = [
        {"hood": c.neighborhood, "cells": [(d, c.days.get(d, (0, 0)), c.rate(d)) for d in days]}
        for c in table
    ]
    today_rows = [
        {
            "hood": c.neighborhood,
            "done": c.days.get(today, (0, 0))[0],
            "total": c.days.get(today, (0, 0))[1],
            "rate": c.rate(today),
        }
        for c in table
    ]
    # Every missed round, a page at a time: the count is the home page's 逾期未打卡 to-do.
    missed = Paginator(reports.missed_today(user), 200).get_page(request.GET.get("page"))
    return render(
        request,
        "pairing/rounds.html",
        {
            "days": days,
            "heat": heat,
            "today_rows": today_rows,
            "missed": missed,
            "page": missed,
            "today": today,
            "manager": access.is_manager(user),
        },
    )

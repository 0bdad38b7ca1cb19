"""Duty rosters (联防联控值班表): the list, setup, the roster page with hand edits and swaps, a duty person's page
and the calendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import longtasks
from fangkong.core.errors import flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.core.links import public_base_url, public_url
from fangkong.core.qr import qr_svg_inline
from fangkong.pairing import access, exports, reports, services
from fangkong.pairing.choices import SwapStatus
from fangkong.pairing.forms import (
    DutyPersonForm,
    HandEditForm,
    LeaveForm,
    RosterForm,
    ShiftTemplateForm,
    SwapForm,
)
from fangkong.pairing.models import (
    DutyPerson,
    Roster,
    RosterAssignment,
    ShiftSwap,
    ShiftTemplate,
)
from fangkong.pairing.views.common import _editors_only, _managers_only, _subdistrict, _workers_only
from fangkong.registry.models import Neighborhood

# ------------------------------------------------------------------ duty rosters


@login_required
def rosters(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _workers_only(user)
    manager = access.is_manager(user)
    form = RosterForm(request.POST or None, user=user) if manager else None
    if request.method == "POST":
        _managers_only(user)
        assert form is not None
        if form.is_valid():
            data = form.cleaned_data
            templates = list(data["templates"])
            hoods = {t.neighborhood_id for t in templates}
            hood = (
                Neighborhood.objects.filter(pk=next(iter(hoods))).first()
                if len(hoods) == 1 and None not in hoods
                else None
            )
            try:
                roster = services.create_roster(
                    actor=user,
                    subdistrict=_subdistrict(request),
                    name=data["name"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    templates=templates,
                    people=list(data["people"]),
                    neighborhood=hood,
                    max_shifts_per_week=data["max_shifts_per_week"],
                    min_rest_hours=data["min_rest_hours"],
                )
                return redirect("pairing:roster", pk=roster.pk)
            except (PermissionDenied, ScopeError):
                raise Http404
            except ValidationError as exc:
                flash_errors(request, exc)
    qs = reports.rosters_for(user).annotate(n=Count("assignments"))
    mine = DutyPerson.objects.filter(Q(cadre__user=user) | Q(staff__user=user)).first()
    return render(
        request,
        "pairing/rosters.html",
        {"rosters": qs, "form": form, "mine": mine, "calendar": calendar_card(mine)},
    )


@login_required
def roster_setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _managers_only(user)
    shift_form = ShiftTemplateForm(user=user)
    person_form = DutyPersonForm(user=user)
    leave_form = LeaveForm(user=user)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "shift":
                shift_form = ShiftTemplateForm(request.POST, user=user)
                if shift_form.is_valid():
                    services.create_shift_template(actor=user, **shift_form.cleaned_data)
                    messages.success(request, _("已添加班次。"))
                    return redirect("pairing:roster_setup")
            elif action == "person":
                person_form = DutyPersonForm(request.POST, user=user)
                if person_form.is_valid():
                    services.enrol_duty_person(
                        actor=user, subdistrict=_subdistrict(request), **person_form.cleaned_data
                    )
                    messages.success(request, _("已加入值班人员。"))
                    return redirect("pairing:roster_setup")
            elif action == "leave":
                leave_form = LeaveForm(request.POST, user=user)
                if leave_form.is_valid():
                    services.record_leave(actor=user, **leave_form.cleaned_data)
                    messages.success(request, _("已登记请假。"))
                    return redirect("pairing:roster_setup")
        except (PermissionDenied, ScopeError):
            raise Http404
        except ValidationError as exc:
            flash_errors(request, exc)
    shifts = ShiftTemplate.objects.visible_to(user).select_related("point")
    people = DutyPerson.objects.visible_to(user).prefetch_related("leaves")[:300]
    return render(
        request,
        "pairing/roster_setup.html",
        {
            "shifts": shifts,
            "people": people,
            "shift_form": shift_form,
            "person_form": person_form,
            "leave_form": leave_form,
        },
    )


def _roster_context(roster: Roster) -> dict[str, Any]:
    days, people, grid = exports.roster_grid(roster)
    rows = [
        {
            "person": p,
            "cells": [grid[p.pk].get(d, []) for d in days],
            "total": sum(len(v) for v in grid[p.pk].values()),
        }
        for p in people
    ]
    return {"roster": roster, "days": days, "rows": rows}


@login_required
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _workers_only(user)
    roster = get_object_or_404(reports.rosters_for(user), pk=pk)
    # the roster's controls are offered to those who may edit it (someone on the roster may only look)
    manager = access.may_edit_roster(user, roster)
    edit_form = HandEditForm(user=user, roster=roster) if manager else None
    mine = DutyPerson.objects.filter(Q(cadre__user=user) | Q(staff__user=user)).first()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "solve":
                _editors_only(manager)
                limit = min(max(float(request.POST.get("time_limit", 10)), 1.0), 60.0)
                # the solve runs in the job runner; the task page follows it, the inbox tells when done
                task = longtasks.open_for(user, kind="pairing.roster", key="roster_id", value=roster.pk)
                if task is None:
                    task = longtasks.start(
                        user=user,
                        kind="pairing.roster",
                        title=_("排班求解：%(name)s") % {"name": roster.name},
                        params={"roster_id": roster.pk, "time_limit": limit},
                    )
                return redirect("io:task", pk=task.pk)
            elif action == "add":
                _editors_only(manager)
                edit_form = HandEditForm(request.POST, user=user, roster=roster)
                if edit_form.is_valid():
                    _row, warnings = services.add_roster_assignment(
                        actor=user, roster=roster, **edit_form.cleaned_data
                    )
                    messages.success(request, _("已添加。"))
                    for w in warnings[:10]:
                        messages.warning(request, w)
            elif action == "remove":
                _editors_only(manager)
                row = get_object_or_404(RosterAssignment, pk=request.POST.get("assignment"), roster=roster)
                for w in services.remove_roster_assignment(actor=user, assignment=row)[:10]:
                    messages.warning(request, w)
            elif action == "swap":
                swap_form = SwapForm(request.POST, roster=roster, mine=mine, manager=manager)
                if swap_form.is_valid():
                    services.request_swap(
                        actor=user,
                        first=swap_form.cleaned_data["first"],
                        second=swap_form.cleaned_data["second"],
                        note=swap_form.cleaned_data["note"],
                    )
                    messages.success(request, _("已提交换班申请，待审批。"))
                else:
                    for err in swap_form.non_field_errors():
                        messages.error(request, str(err))
                    for name in ("first", "second"):
                        if swap_form.errors.get(name):
                            messages.error(
                                request,
                                _("请从列表中选择「%(f)s」。") % {"f": swap_form.fields[name].label},
                            )
            elif action in ("approve", "reject"):
                _editors_only(manager)
                swap = get_object_or_404(ShiftSwap, pk=request.POST.get("swap"), roster=roster)
                _swap, warnings = services.decide_swap(actor=user, swap=swap, approve=action == "approve")
                messages.success(request, _("已处理换班申请。"))
                for w in warnings[:10]:
                    messages.warning(request, w)
            elif action == "publish":
                _editors_only(manager)
                services.publish_roster(actor=user, roster=roster)
                messages.success(request, _("值班表已发布。"))
            return redirect("pairing:roster", pk=roster.pk)
        except (PermissionDenied, ScopeError):
            raise Http404
        except ValueError:
            messages.error(request, _("输入有误。"))
        except ValidationError as exc:
            flash_errors(request, exc)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.export_roster(user, roster),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="roster-{roster.pk}.xlsx"'
        return response
    context = _roster_context(roster)
    swap_form = SwapForm(roster=roster, mine=mine, manager=manager)
    context.update(
        {
            "swap_form": swap_form if swap_form.usable else None,
            "warnings": services.roster_warnings(roster) if roster.assignments.exists() else [],
            "edit_form": edit_form,
            "manager": manager,
            "swaps": roster.swaps.filter(status=SwapStatus.PENDING).select_related(
                "first__person", "second__person", "first__template", "second__template"
            ),
            "mine": mine,
            "calendar": calendar_card(mine),
        }
    )
    if request.GET.get("print"):
        return render(request, "pairing/roster_print.html", context)
    return render(request, "pairing/roster_detail.html", context)


def ical_url(person: DutyPerson) -> str:
    """The public address of a person's duty calendar (a secret: it opens without a login)."""
    return public_url("pairing:ical", person.calendar_token)


def calendar_card(person: DutyPerson | None) -> dict[str, Any] | None:
    """What the calendar card shows: the subscription address and its QR code."""
    if person is None:
        return None
    url = ical_url(person)
    return {"person": person, "url": url, "qr_svg": qr_svg_inline(url, scale=4)}


@login_required
def duty_person(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's duty page: their coming shifts and the calendar address with its QR code, for the person
    and for the managers who see them."""
    user: Any = request.user
    _workers_only(user)
    people = DutyPerson.objects.visible_to(user) | DutyPerson.objects.filter(
        Q(cadre__user=user) | Q(staff__user=user)
    )
    person = get_object_or_404(people.distinct().select_related("cadre", "staff", "neighborhood"), pk=pk)
    if not access.may_see_calendar(user, person):
        raise Http404
    since = timezone.localdate()
    shifts = (
        RosterAssignment.objects.filter(person=person, date__gte=since)
        .exclude(roster__status="infeasible")
        .select_related("template__point", "roster")
        .order_by("starts_at")[:60]
    )
    return render(
        request,
        "pairing/duty_person.html",
        {"person": person, "shifts": shifts, "calendar": calendar_card(person)},
    )


def ical(request: HttpRequest, token: str) -> HttpResponse:
    """A person's duty calendar: no login, a long secret token; a wrong token is a 404."""
    if len(token) < 32:
        raise Http404
    person = DutyPerson.objects.filter(calendar_token=token, active=True).first()
    if person is None:
        raise Http404
    since = timezone.localdate() - dt.timedelta(days=30)
    rows = (
        RosterAssignment.objects.filter(person=person, date__gte=since)
        .exclude(roster__status="infeasible")
        .select_related("template__point", "roster")
        .order_by("starts_at")
    )
    body = exports.ical_feed(person, rows, host=urlsplit(public_base_url()).hostname or "fangkong")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="duty.ics"'
    return response

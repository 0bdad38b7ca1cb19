"""The coverage board, fixed points and their pairings, and tasks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.choices import Role
from fangkong.core.errors import flash_errors
from fangkong.core.exceptions import ConflictError, ScopeError
from fangkong.core.htmx import pick_template
from fangkong.pairing import access, exports, reports, services
from fangkong.pairing.forms import (
    PairForm,
    PairingEditForm,
    RequirementForm,
    TaskForm,
    UnitPointForm,
)
from fangkong.pairing.imports import PAIRINGS
from fangkong.pairing.models import (
    Pairing,
    PairingTask,
    Point,
    Team,
)
from fangkong.pairing.views.common import (
    _hq_only,
    _managers_only,
    _readers_only,
    _subdistrict,
    _workers_only,
)

# ------------------------------------------------------------------ coverage board and points


@login_required
def board(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _readers_only(user)
    rows = reports.coverage_board(user)
    totals = reports.board_totals(rows)  # the whole scope's figures, whatever the list shows
    show = request.GET.get("show", "")
    if show == "gaps":
        rows = [r for r in rows if r.state != "ok"]
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.export_board(user, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="coverage.xlsx"'
        return response
    context = {
        "rows": rows,
        "totals": totals,
        "show": show,
        "is_hq": access.is_hq(user),
        "unit_form": UnitPointForm(user=user) if access.is_hq(user) else None,
        "my_pairings": Pairing.objects.filter(cadre__user=user, active=True).select_related(
            "point", "responsibility"
        )
        if user.role == Role.CADRE
        else [],
        "io_format": PAIRINGS if PAIRINGS.allowed(user) else None,
    }
    return render(request, pick_template(request, "pairing/board.html", "pairing/_board_rows.html"), context)


@login_required
@require_POST
def sync_points(request: HttpRequest) -> HttpResponse:
    _hq_only(request.user)
    n = services.ensure_points(actor=request.user, subdistrict=_subdistrict(request))
    messages.success(request, _("已同步居民区定点，新增 %(n)d 个。") % {"n": n})
    return redirect("pairing:board")


@login_required
@require_POST
def add_unit(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _hq_only(user)
    form = UnitPointForm(request.POST, user=user)
    if form.is_valid():
        try:
            point = services.add_unit_point(
                actor=user,
                subdistrict=_subdistrict(request),
                premises=form.cleaned_data["premises"],
                organization=form.cleaned_data["organization"],
                required_count=form.cleaned_data["required_count"],
            )
            messages.success(request, _("已将「%(p)s」列为定点。") % {"p": point.name})
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        for err in form.non_field_errors():
            messages.error(request, str(err))
    return redirect("pairing:board")


@login_required
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _readers_only(user)
    point = get_object_or_404(Point.objects.visible_to(user), pk=pk)
    pairings = (
        (Pairing.objects.visible_to(user) | Pairing.objects.filter(cadre__user=user))
        .filter(point=point)
        .select_related("cadre__department", "responsibility")
        .prefetch_related("tasks")
    )
    manager = access.is_manager(user)
    pair_form = PairForm(user=user) if manager else None
    if request.method == "POST":
        _managers_only(user)
        action = request.POST.get("action")
        try:
            if action == "pair":
                pair_form = PairForm(request.POST, user=user)
                if pair_form.is_valid():
                    services.pair_cadre(
                        actor=user,
                        cadre=pair_form.cleaned_data["cadre"],
                        point=point,
                        responsibility=pair_form.cleaned_data["responsibility"],
                        responsibility_note=pair_form.cleaned_data["responsibility_note"],
                    )
                    messages.success(request, _("已结对。"))
                    return redirect("pairing:point", pk=point.pk)
            elif action == "requirement":
                form = RequirementForm(request.POST)
                if form.is_valid():
                    services.set_point_requirement(
                        actor=user,
                        point=point,
                        required_count=form.cleaned_data["required_count"],
                        active=form.cleaned_data["active"],
                        expected_version=form.cleaned_data["version"],
                    )
                    messages.success(request, _("已保存。"))
                    return redirect("pairing:point", pk=point.pk)
        except (PermissionDenied, ScopeError):
            raise Http404
        except ValidationError as exc:
            flash_errors(request, exc)
    rows = {r.point.pk: r for r in reports.coverage_board(user)}
    return render(
        request,
        "pairing/point_detail.html",
        {
            "point": point,
            "row": rows.get(point.pk),
            "pairings": pairings.filter(active=True),
            "ended": pairings.filter(active=False)[:20],
            "pair_form": pair_form,
            "req_form": RequirementForm(
                initial={
                    "version": point.version,
                    "required_count": point.required_count,
                    "active": point.active,
                }
            )
            if manager
            else None,
            "task_form": TaskForm() if manager else None,
            "teams": Team.objects.visible_to(user).filter(point=point),
            "manager": manager,
        },
    )


@login_required
def pairing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _managers_only(user)
    pairing = get_object_or_404(Pairing.objects.visible_to(user).select_related("cadre", "point"), pk=pk)
    form = PairingEditForm(
        request.POST or None,
        user=user,
        initial={
            "version": pairing.version,
            "responsibility": pairing.responsibility_id,
            "responsibility_note": pairing.responsibility_note,
        },
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "end":
                services.end_pairing(
                    actor=user, pairing=pairing, expected_version=int(request.POST.get("version", 0))
                )
                messages.success(request, _("已结束结对。"))
                return redirect("pairing:point", pk=pairing.point_id)
            if form.is_valid():
                services.update_pairing(
                    actor=user,
                    pairing=pairing,
                    expected_version=form.cleaned_data["version"],
                    responsibility=form.cleaned_data["responsibility"],
                    responsibility_note=form.cleaned_data["responsibility_note"],
                )
                messages.success(request, _("已保存。"))
                return redirect("pairing:point", pk=pairing.point_id)
        except ConflictError as exc:
            flash_errors(request, exc)
        except ValidationError as exc:
            flash_errors(request, exc)
        except (PermissionDenied, ScopeError, ValueError):
            raise Http404
    return render(request, "pairing/pairing_edit.html", {"pairing": pairing, "form": form})


@login_required
@require_POST
def task_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _managers_only(user)
    pairing = team = None
    if request.POST.get("pairing"):
        pairing = get_object_or_404(Pairing.objects.visible_to(user), pk=request.POST["pairing"])
    elif request.POST.get("team"):
        team = get_object_or_404(Team.objects.visible_to(user), pk=request.POST["team"])
    else:
        raise Http404
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            services.create_task(actor=user, pairing=pairing, team=team, **form.cleaned_data)
            messages.success(request, _("已添加任务。"))
        except ValidationError as exc:
            flash_errors(request, exc)
        except (PermissionDenied, ScopeError):
            raise Http404
    else:
        for field_errors in form.errors.values():
            for err in field_errors:
                messages.error(request, str(err))
    if team is not None:
        return redirect("pairing:team", pk=team.pk)
    assert pairing is not None
    return redirect("pairing:point", pk=pairing.point_id)


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """The tasks list. A cadre sees their own tasks first (a switch shows all they may see), under their
    buildings and coming shifts; managers see every task in their scope."""
    user: Any = request.user
    _readers_only(user)
    who = request.GET.get("who", "")
    if who not in ("mine", "all"):
        who = "all" if access.is_manager(user) or not access.may_work(user) else "mine"
    qs = reports.task_list(user, mine=who == "mine")
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("status", "due_date", "id"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "who": who}
    if access.may_work(user):
        context["my_buildings"] = list(reports.my_buildings(user)[:50])
        context["my_shifts"] = list(reports.my_shifts(user)[:10])
    return render(request, "pairing/tasks.html", context)


@login_required
@require_POST
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _workers_only(user)
    qs = PairingTask.objects.visible_to(user) | PairingTask.objects.filter(pairing__cadre__user=user)
    task = get_object_or_404(qs.distinct(), pk=pk)
    try:
        services.set_task_status(
            actor=user,
            task=task,
            status=request.POST.get("status", ""),
            expected_version=int(request.POST.get("version", 0)),
        )
        messages.success(request, _("任务状态已更新。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    except (PermissionDenied, ScopeError, ValueError):
        raise Http404
    return redirect(request.POST.get("next") or reverse("pairing:tasks"))

"""Pages of the pairing app. Scoped reads go through visible_to(user); out of scope answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core import audit, longtasks
from fangkong.core.choices import AuditAction, Role
from fangkong.core.exceptions import ConflictError, ScopeError
from fangkong.core.htmx import pick_template
from fangkong.core.links import public_base_url, public_url
from fangkong.core.qr import qr_svg_document, qr_svg_inline
from fangkong.pairing import access, exports, reports, services
from fangkong.pairing.choices import ProposalAction, ProposalStatus, SwapStatus
from fangkong.pairing.forms import (
    CheckInForm,
    CompoundAssignForm,
    DutyPersonForm,
    HandEditForm,
    LeaveForm,
    MemberForm,
    PairForm,
    PairingEditForm,
    PairingSettingsForm,
    RequirementForm,
    RosterForm,
    ShiftTemplateForm,
    SwapForm,
    TaskForm,
    TeamForm,
    UnitPointForm,
)
from fangkong.pairing.imports import PAIRINGS, TEAM_MEMBERS
from fangkong.pairing.models import (
    BuildingAssignment,
    BuildingTask,
    CheckInRound,
    DutyPerson,
    Pairing,
    PairingProposal,
    PairingTask,
    Point,
    Roster,
    RosterAssignment,
    ShiftSwap,
    ShiftTemplate,
    Team,
    TeamMember,
)
from fangkong.registry.models import Building, Neighborhood, PartyBranch, SubDistrict, SupportCadre


def _readers_only(user: Any) -> None:
    if not access.may_read(user):
        raise Http404


def _workers_only(user: Any) -> None:
    if not access.may_work(user):
        raise Http404


def _managers_only(user: Any) -> None:
    if not access.is_manager(user):
        raise Http404


def _editors_only(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _hq_only(user: Any) -> None:
    if not access.is_hq(user):
        raise Http404


def _subdistrict(request: HttpRequest) -> SubDistrict:
    user: Any = request.user
    if user.subdistrict_id:
        return user.subdistrict
    sub = SubDistrict.objects.visible_to(user).first()
    if sub is None:
        raise Http404
    return sub


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


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
        audit.record(
            actor=user, action=AuditAction.EXPORT, object_type="pairing.point", object_repr=_("覆盖情况")
        )
        response = HttpResponse(
            exports.board_xlsx(rows),
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
            _errors(request, exc)
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
            _errors(request, exc)
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
            _errors(request, exc)
        except ValidationError as exc:
            _errors(request, exc)
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
            _errors(request, exc)
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
        _errors(request, exc)
    except (PermissionDenied, ScopeError, ValueError):
        raise Http404
    return redirect(request.POST.get("next") or reverse("pairing:tasks"))


# ------------------------------------------------------------------ teams and the temporary branch


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _readers_only(user)
    form = TeamForm(request.POST or None, user=user) if access.is_manager(user) else None
    if request.method == "POST":
        _managers_only(user)
        assert form is not None
        if form.is_valid():
            try:
                point = form.cleaned_data["point"]
                team = services.create_team(
                    actor=user,
                    subdistrict=point.subdistrict if point else _subdistrict(request),
                    name=form.cleaned_data["name"],
                    point=point,
                    neighborhood=point.neighborhood if point else None,
                    description=form.cleaned_data["description"],
                )
                return redirect("pairing:team", pk=team.pk)
            except (PermissionDenied, ScopeError):
                raise Http404
            except ValidationError as exc:
                _errors(request, exc)
    qs = Team.objects.visible_to(user).select_related("neighborhood", "point").annotate(n=Count("members"))
    io_format = TEAM_MEMBERS if TEAM_MEMBERS.allowed(user) else None
    return render(request, "pairing/teams.html", {"teams": qs, "form": form, "io_format": io_format})


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _readers_only(user)
    team = get_object_or_404(Team.objects.visible_to(user).select_related("point", "neighborhood"), pk=pk)
    manager = access.is_manager(user)
    form = MemberForm(request.POST or None, user=user) if manager else None
    if request.method == "POST":
        _managers_only(user)
        try:
            if request.POST.get("action") == "remove":
                member = get_object_or_404(TeamMember, pk=request.POST.get("member"), team=team)
                services.remove_team_member(actor=user, member=member)
            elif request.POST.get("action") == "leader":
                member = get_object_or_404(TeamMember, pk=request.POST.get("member"), team=team)
                services.set_team_leader(actor=user, member=member)
            elif form is not None and form.is_valid():
                services.add_team_member(actor=user, team=team, **form.cleaned_data)
                messages.success(request, _("已加入队伍。"))
            return redirect("pairing:team", pk=team.pk)
        except (PermissionDenied, ScopeError):
            raise Http404
        except ValidationError as exc:
            _errors(request, exc)
    members = team.members.select_related("cadre__department", "staff", "volunteer")
    return render(
        request,
        "pairing/team_detail.html",
        {
            "team": team,
            "members": members,
            "form": form,
            "task_form": TaskForm() if manager else None,
            "tasks": team.tasks.all(),
            "manager": manager,
        },
    )


@login_required
def branch(request: HttpRequest) -> HttpResponse:
    """The support force's temporary party branch and its members."""
    user: Any = request.user
    _readers_only(user)
    branches = (
        PartyBranch.objects.visible_to(user)
        .filter(is_temporary=True)
        .prefetch_related(
            Prefetch("cadres", queryset=SupportCadre.objects.select_related("department").order_by("name"))
        )
    )
    if request.method == "POST":
        _hq_only(user)
        target = get_object_or_404(branches, pk=request.POST.get("branch"))
        cadres = SupportCadre.objects.visible_to(user).filter(
            active=True, party_branch__isnull=True, is_party_member=True
        )
        n = services.join_temporary_branch(actor=user, cadres=cadres, branch=target)
        messages.success(request, _("已将 %(n)d 名党员干部编入临时支部。") % {"n": n})
        return redirect("pairing:branch")
    unbranched = (
        SupportCadre.objects.visible_to(user)
        .filter(active=True, is_party_member=True, party_branch__isnull=True)
        .count()
    )
    return render(
        request,
        "pairing/branch.html",
        {"branches": branches, "unbranched": unbranched, "is_hq": access.is_hq(user)},
    )


# ------------------------------------------------------------------ optimiser


@login_required
def optimiser(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _hq_only(user)
    sub = _subdistrict(request)
    if request.method == "POST":
        try:
            limit = min(max(float(request.POST.get("time_limit", 10)), 1.0), 60.0)
        except ValueError:
            limit = 10.0
        # the solve runs in the job runner; the user follows it on the task page and gets an inbox message
        task = longtasks.open_for(user, kind="pairing.propose", key="subdistrict_id", value=sub.pk)
        if task is None:
            task = longtasks.start(
                user=user,
                kind="pairing.propose",
                title=_("结对优化：%(sub)s") % {"sub": sub.name},
                params={"subdistrict_id": sub.pk, "time_limit": limit},
            )
        return redirect("io:task", pk=task.pk)
    settings_obj = services.settings_for(sub.pk)
    proposals = PairingProposal.objects.visible_to(user)[:20]
    return render(request, "pairing/optimiser.html", {"proposals": proposals, "settings": settings_obj})


@login_required
def optimiser_settings(request: HttpRequest) -> HttpResponse:
    """The HQ edits the optimiser rules; saved through services.save_settings (audited)."""
    user: Any = request.user
    _hq_only(user)
    sub = _subdistrict(request)
    current = services.settings_for(sub.pk)
    form = PairingSettingsForm(request.POST or None, initial=PairingSettingsForm.initial_for(current))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_settings(
                    actor=user,
                    subdistrict=sub,
                    expected_version=form.cleaned_data.get("version"),
                    **form.values(),
                )
                messages.success(request, _("结对规则已保存。"))
                return redirect("pairing:optimiser")
            except (PermissionDenied, ScopeError):
                raise Http404
            except ValidationError as exc:
                _errors(request, exc)
        else:
            messages.error(request, _("规则未保存，请按提示修改。"))
    return render(request, "pairing/optimiser_settings.html", {"form": form, "settings": current})


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    _hq_only(user)
    proposal = get_object_or_404(PairingProposal.objects.visible_to(user), pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "reject":
                services.reject_proposal(actor=user, proposal=proposal)
                messages.success(request, _("已驳回方案。"))
            else:
                ids = None
                if request.POST.get("action") == "accept_selected":
                    ids = [int(i) for i in request.POST.getlist("item") if i.isdigit()]
                done = services.accept_proposal(actor=user, proposal=proposal, item_ids=ids)
                messages.success(
                    request, _("已采纳：新增 %(added)d，撤销 %(removed)d，保留 %(kept)d。") % done
                )
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("pairing:proposal", pk=proposal.pk)
    items = list(proposal.items.select_related("cadre__department", "point"))
    changed = [i for i in items if i.action != ProposalAction.KEEP]
    return render(
        request,
        "pairing/proposal.html",
        {
            "proposal": proposal,
            "items": items,
            "changed": changed,
            "kept": [i for i in items if i.action == ProposalAction.KEEP],
            "changes": len(changed),
            "open": proposal.status in (ProposalStatus.OPEN, ProposalStatus.PARTLY),
        },
    )


# ------------------------------------------------------------------ building assignment


@login_required
def buildings(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _workers_only(user)
    form = CompoundAssignForm(request.POST or None, user=user) if access.is_manager(user) else None
    if request.method == "POST":
        _managers_only(user)
        assert form is not None
        if form.is_valid():
            try:
                n = services.assign_compound(actor=user, **form.cleaned_data)
                messages.success(request, _("已分配 %(n)d 栋楼。") % {"n": n})
                return redirect(request.get_full_path())
            except (PermissionDenied, ScopeError):
                raise Http404
            except ValidationError as exc:
                _errors(request, exc)
    qs = Building.objects.visible_to(user).select_related(
        "compound", "neighborhood", "assignment__cadre", "assignment__staff", "assignment__team"
    )
    hood = request.GET.get("neighborhood", "")
    if hood.isdigit():
        qs = qs.filter(neighborhood_id=int(hood))
    missing = request.GET.get("missing") == "1"
    if missing:
        qs = qs.filter(assignment__isnull=True)
    qs = qs.order_by("neighborhood__code", "compound__name", "name")
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    stats = Building.objects.visible_to(user).aggregate(
        total=Count("id"), unassigned=Count("id", filter=Q(assignment__isnull=True))
    )
    return render(
        request,
        pick_template(request, "pairing/buildings.html", "pairing/_building_rows.html"),
        {
            "page": page,
            "form": form,
            "stats": stats,
            "missing": missing,
            "hood": hood,
            "neighborhoods": Neighborhood.objects.visible_to(user).order_by("code"),
        },
    )


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
                _errors(request, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
        else:
            for field_errors in form.errors.values():
                for err in field_errors:
                    messages.error(request, str(err))
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
            _errors(request, exc)
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
    missed = list(reports.missed_today(user)[:200])
    return render(
        request,
        "pairing/rounds.html",
        {
            "days": days,
            "heat": heat,
            "today_rows": today_rows,
            "missed": missed,
            "today": today,
            "manager": access.is_manager(user),
        },
    )


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
                _errors(request, exc)
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
                    data = dict(person_form.cleaned_data)
                    leave_start, leave_end = data.pop("leave_start"), data.pop("leave_end")
                    with transaction.atomic():
                        person = services.add_duty_person(
                            actor=user, subdistrict=_subdistrict(request), **data
                        )
                        if leave_start and leave_end:
                            services.record_leave(
                                actor=user, person=person, start_date=leave_start, end_date=leave_end
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
            _errors(request, exc)
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
            _errors(request, exc)
    if request.GET.get("format") == "xlsx":
        audit.record(actor=user, action=AuditAction.EXPORT, obj=roster)
        response = HttpResponse(
            exports.roster_xlsx(roster),
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

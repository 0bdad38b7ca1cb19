"""Teams and the support force's temporary party branch."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fangkong.core.errors import flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.pairing import access, services
from fangkong.pairing.forms import (
    MemberForm,
    TaskForm,
    TeamForm,
)
from fangkong.pairing.imports import TEAM_MEMBERS
from fangkong.pairing.models import (
    Team,
    TeamMember,
)
from fangkong.pairing.views.common import _hq_only, _managers_only, _readers_only, _subdistrict
from fangkong.registry.models import PartyBranch, SupportCadre

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
                flash_errors(request, exc)
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
            flash_errors(request, exc)
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

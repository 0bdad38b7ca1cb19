"""Pages of the patrol teams (巡察队): the teams with their members and shifts (solved by the pairing app's
roster solver), the patrol rounds and their findings. Reads go through ``visible_to`` or a selector that
takes the user (404 out of scope)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import formset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import add_form_errors, error_text, flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.inspections import access, selectors, services
from fangkong.inspections.choices import FindingKind
from fangkong.inspections.forms import FindingForm, MemberForm, RoundForm, ShiftsForm, TeamForm
from fangkong.inspections.models import PatrolMember, PatrolRound, PatrolTeam

FINDING_ROWS = 3
FindingFormSet = formset_factory(
    FindingForm, extra=FINDING_ROWS, max_num=FINDING_ROWS, absolute_max=FINDING_ROWS
)


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"flags": access.flags(request.user), **extra}


@login_required
def patrol_list(request: HttpRequest) -> HttpResponse:
    user = access.patrols_user(request.user)
    today = timezone.localdate()
    teams = selectors.patrol_teams(user)
    return render(
        request,
        "inspections/patrol_list.html",
        _ctx(
            request,
            teams=[(t, selectors.team_shifts(t, start=today, days=1)[0][1]) for t in teams],
            rounds=selectors.patrol_rounds(user)[:20],
            team_form=TeamForm(user=user) if access.may_set_up_patrols(user) else None,
            today=today,
        ),
    )


@login_required
@require_POST
def patrol_team_new(request: HttpRequest) -> HttpResponse:
    user = access.patrols_user(request.user)
    if not access.may_set_up_patrols(user):
        raise Http404
    form = TeamForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, _("请选择还没有巡察队的片区。"))
        return redirect("inspections:patrol_list")
    try:
        team = services.set_up_patrol_team(
            actor=user, zone=form.cleaned_data["zone"], name=form.cleaned_data["name"]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("inspections:patrol_list")
    except (PermissionDenied, ScopeError):
        messages.error(request, _("不在您的管辖范围内。"))
        return redirect("inspections:patrol_list")
    messages.success(request, _("已建立巡察队：%(name)s。") % {"name": team.name})
    return redirect("inspections:patrol_team", pk=team.pk)


@login_required
def patrol_team(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.patrols_user(request.user)
    team = get_object_or_404(PatrolTeam.objects.visible_to(user).select_related("zone", "roster"), pk=pk)
    setup = access.may_set_up_patrols(user)
    member_form = MemberForm(request.POST if request.POST.get("form") == "member" else None, user=user)
    shifts_form = ShiftsForm(request.POST if request.POST.get("form") == "shifts" else None)
    if request.method == "POST":
        if not setup:
            raise Http404
        try:
            if request.POST.get("form") == "member" and member_form.is_valid():
                d = member_form.cleaned_data
                services.add_patrol_member(
                    actor=user,
                    team=team,
                    department=d["department"],
                    name=d.get("name") or "",
                    cadre=d.get("cadre"),
                    leader=d.get("leader", False),
                )
                messages.success(request, _("已添加队员。"))
                return redirect("inspections:patrol_team", pk=team.pk)
            if request.POST.get("form") == "shifts" and shifts_form.is_valid():
                d = shifts_form.cleaned_data
                roster = services.solve_patrol_shifts(
                    actor=user, team=team, start_date=d["start_date"], days=d["days"]
                )
                messages.success(
                    request, _("已排出并发布巡察班次（%(n)d 班）。") % {"n": roster.assignments.count()}
                )
                return redirect("inspections:patrol_team", pk=team.pk)
        except ValidationError as exc:
            add_form_errors(member_form if request.POST.get("form") == "member" else shifts_form, exc)
        except (PermissionDenied, ScopeError) as exc:
            flash_errors(request, ValidationError(str(exc) or _("不在您的管辖范围内。")))
    start = timezone.localdate()
    members = (
        PatrolMember.objects.visible_to(user)
        .filter(team=team)
        .select_related("duty_person", "duty_person__cadre")
    )
    return render(
        request,
        "inspections/patrol_team.html",
        _ctx(
            request,
            team=team,
            members=members,
            shifts=selectors.team_shifts(team, start=start, days=7),
            member_form=member_form if setup else None,
            shifts_form=shifts_form if setup else None,
            rounds=selectors.patrol_rounds(user).filter(team=team)[:20],
        ),
    )


@login_required
def patrol_round_new(request: HttpRequest) -> HttpResponse:
    user = access.patrols_user(request.user)
    if not access.may_patrol(user):
        raise Http404
    form = RoundForm(request.POST or None, user=user, initial={"team": request.GET.get("team")})
    findings = FindingFormSet(request.POST or None, prefix="f")
    if request.method == "POST" and form.is_valid() and findings.is_valid():
        d = form.cleaned_data
        items = []
        errors = []
        for i, f in enumerate(findings.cleaned_data):
            if not f or not (f.get("kind") or f.get("place") or f.get("name")):
                continue
            item = {k: f.get(k, "") for k in ("kind", "place", "name", "text")}
            if f.get("kind") == FindingKind.OPEN_EARLY:
                firm = selectors.find_firm(user, f.get("name", ""))
                if firm is None:
                    errors.append(
                        _("第 %(i)d 条发现：找不到企业“%(n)s”（请填写完整名称或信用代码）。")
                        % {"i": i + 1, "n": f.get("name", "")}
                    )
                item["firm"] = firm
            items.append(item)
        if errors:
            for e in errors:
                form.add_error(None, e)
        else:
            try:
                patrol, _created = services.record_patrol_round(
                    actor=user,
                    team=d["team"],
                    day=d["day"],
                    route=d["route"],
                    note=d.get("note") or "",
                    findings=items,
                    client_token=d.get("client_token") or "",
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            except (PermissionDenied, ScopeError):
                raise Http404
            else:
                messages.success(request, _("已记录巡察。"))
                return redirect("inspections:patrol_round", pk=patrol.pk)
    return render(request, "inspections/patrol_round_new.html", _ctx(request, form=form, findings=findings))


@login_required
def patrol_round(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.patrols_user(request.user)
    patrol = get_object_or_404(
        PatrolRound.objects.visible_to(user).select_related("team", "recorded_by"), pk=pk
    )
    return render(
        request,
        "inspections/patrol_round.html",
        _ctx(request, patrol=patrol, findings=selectors.round_findings(user, patrol)),
    )

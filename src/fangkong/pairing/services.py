"""Every write of the pairing app. Views, API, CLI and the demo call these."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction, Role
from fangkong.core.notify import LEVEL_COMMITTEE, Alert, alert_many
from fangkong.pairing.access import (
    check_scope,
    is_manager,
    may_check_in,
    may_request_swap,
    may_set_task_status,
    owns_task,
    require_hq,
    require_hq_or_office,
    require_manager,
    require_roster_edit,
)
from fangkong.pairing.choices import (
    MemberKind,
    PairingSource,
    PointKind,
    ProposalAction,
    ProposalStatus,
    Recurrence,
    RosterStatus,
    RoundStatus,
    SwapStatus,
    TaskStatus,
)
from fangkong.pairing.models import (
    BuildingAssignment,
    BuildingTask,
    CheckInRound,
    DutyPerson,
    Pairing,
    PairingProposal,
    PairingSettings,
    PairingTask,
    Point,
    ProposalItem,
    ResponsibilityType,
    Roster,
    RosterAssignment,
    ShiftSwap,
    ShiftTemplate,
    TaskTemplate,
    Team,
    TeamMember,
    Unavailability,
)
from fangkong.registry.models import (
    Building,
    CommitteeStaff,
    Compound,
    Household,
    Neighborhood,
    Organization,
    Premises,
    SubDistrict,
    SupportCadre,
    Volunteer,
)

DEFAULT_RESPONSIBILITIES = ["门岗值守", "入户排查", "楼组长", "巡查", "联络"]
DEFAULT_TASK_TEMPLATES = [("电梯消毒", 2), ("入户大门消毒", 1), ("楼梯扶手消毒", 1)]
MAX_PHOTO_SIDE = 1280
MAX_ROSTER_DAYS = 62


# ------------------------------------------------------------------ scope provider and lookups


def cadre_neighborhood_ids(user: Any) -> list[int]:
    """The neighborhoods a cadre works in: those of their active pairings and of the buildings they lead."""
    if getattr(user, "role", None) != Role.CADRE or not getattr(user, "pk", None):
        return []
    ids = set(
        Pairing.objects.filter(cadre__user=user, active=True, neighborhood__isnull=False).values_list(
            "neighborhood_id", flat=True
        )
    )
    ids.update(BuildingAssignment.objects.filter(cadre__user=user).values_list("neighborhood_id", flat=True))
    return sorted(ids)


def responsible_user_for_building(building: Building) -> Any:
    """The account of the person in charge of ``building`` under 分楼包干, or None."""
    row = (
        BuildingAssignment.objects.filter(building_id=getattr(building, "pk", building))
        .select_related("cadre__user", "staff__user")
        .first()
    )
    if row is None:
        return None
    person = row.cadre or row.staff
    user = getattr(person, "user", None)
    if user is None or not user.is_active:
        return None
    return user


def responsible_users_for_buildings(building_ids: Iterable[int]) -> dict[int, Any]:
    """The accounts of the persons in charge of many buildings, in one query: ``{building_id: user}``."""
    out: dict[int, Any] = {}
    rows = BuildingAssignment.objects.filter(building_id__in=list(building_ids)).select_related(
        "cadre__user", "staff__user"
    )
    for row in rows.order_by("building_id", "id"):
        person = row.cadre or row.staff
        user = getattr(person, "user", None)
        if user is not None and user.is_active and row.building_id not in out:
            out[row.building_id] = user
    return out


def settings_for(subdistrict_id: int) -> PairingSettings:
    obj = PairingSettings.objects.filter(subdistrict_id=subdistrict_id).first()
    return obj or PairingSettings(subdistrict_id=subdistrict_id)


# ------------------------------------------------------------------ points


@transaction.atomic
def ensure_points(*, actor: Any, subdistrict: SubDistrict) -> int:
    """Make every neighborhood of the sub-district a fixed point and refresh household counts."""
    if actor is not None:
        require_hq(actor)
    hoods = list(Neighborhood.objects.filter(subdistrict=subdistrict))
    counts = dict(
        Household.objects.filter(subdistrict=subdistrict)
        .values("neighborhood_id")
        .annotate(n=Count("id"))
        .values_list("neighborhood_id", "n")
    )
    existing = {
        p.neighborhood_id: p
        for p in Point.objects.filter(subdistrict=subdistrict, kind=PointKind.NEIGHBORHOOD)
    }
    new = []
    changed = []
    for hood in hoods:
        point = existing.get(hood.pk)
        if point is None:
            new.append(
                Point(
                    subdistrict=subdistrict,
                    kind=PointKind.NEIGHBORHOOD,
                    neighborhood=hood,
                    name=hood.name,
                    households=counts.get(hood.pk, 0),
                )
            )
        elif point.households != counts.get(hood.pk, 0) or point.name != hood.name:
            point.households = counts.get(hood.pk, 0)
            point.name = hood.name
            changed.append(point)
    Point.objects.bulk_create(new)
    Point.objects.bulk_update(changed, ["households", "name"])
    for name in DEFAULT_RESPONSIBILITIES:
        ResponsibilityType.objects.get_or_create(subdistrict=subdistrict, name=name)
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        object_type="pairing.point",
        object_repr=_("同步居民区定点"),
        changes={"created": len(new), "updated": len(changed)},
        subdistrict_id=subdistrict.pk,
    )
    return len(new)


@transaction.atomic
def add_unit_point(
    *,
    actor: Any,
    subdistrict: SubDistrict,
    premises: Premises | None = None,
    organization: Organization | None = None,
    required_count: int | None = None,
) -> Point:
    """List a unit (premises or organisation) as a fixed point; it is scoped to its neighborhood if any."""
    require_hq(actor)
    if (premises is None) == (organization is None):
        raise ValidationError(_("请选择一个楼宇园区或一个单位。"))
    target: Any = premises or organization
    if target.subdistrict_id != subdistrict.pk:
        raise PermissionDenied(_("超出您的管理范围。"))
    point = Point(
        subdistrict=subdistrict,
        kind=PointKind.PREMISES if premises else PointKind.ORGANIZATION,
        premises=premises,
        organization=organization,
        neighborhood_id=target.neighborhood_id,
        name=target.name,
        required_count=required_count,
    )
    return core_services.create_object(actor=actor, obj=point)


@transaction.atomic
def set_point_requirement(
    *,
    actor: Any,
    point: Point,
    required_count: int | None,
    active: bool = True,
    expected_version: int | None = None,
) -> Point:
    require_manager(actor)
    if required_count is not None and required_count < 0:
        raise ValidationError(_("需要人数不能为负数。"))
    point.required_count = required_count
    point.active = active
    return core_services.update_object(actor=actor, obj=point, expected_version=expected_version)


SETTINGS_FIELDS = (
    "max_points_per_cadre",
    "avoid_home_neighborhood",
    "households_per_cadre",
    "unit_required_default",
    "roster_cover_elsewhere",
    "affinity",
)
MAX_POINTS_PER_CADRE = 10
MAX_HOUSEHOLDS_PER_CADRE = 100_000
MAX_UNIT_REQUIRED = 50


def clean_affinity(table: Any) -> dict[str, dict[str, int]]:
    """A department kind → point kind → 0–3 table, checked; unknown kinds and bad values raise in Chinese."""
    from fangkong.pairing.optimiser import MAX_AFFINITY
    from fangkong.registry.choices import DepartmentKind

    if not isinstance(table, dict):
        raise ValidationError(_("条线与点位类型匹配表格式不正确。"))
    dept_labels = dict(DepartmentKind.choices)
    kind_labels = dict(PointKind.choices)
    out: dict[str, dict[str, int]] = {}
    for dept, row in table.items():
        if dept not in dept_labels:
            raise ValidationError(_("未知的条线部门类型「%(k)s」。") % {"k": dept})
        if not isinstance(row, dict):
            raise ValidationError(_("条线与点位类型匹配表格式不正确。"))
        out[dept] = {}
        for kind, value in row.items():
            if kind not in kind_labels:
                raise ValidationError(_("未知的点位类型「%(k)s」。") % {"k": kind})
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AFFINITY:
                raise ValidationError(
                    _("「%(d)s」对「%(k)s」的匹配分值应为 0–%(m)d 的整数。")
                    % {"d": dept_labels[dept], "k": kind_labels[kind], "m": MAX_AFFINITY}
                )
            out[dept][kind] = value
    return out


def _check_settings(values: dict[str, Any]) -> None:
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("未知的结对规则项：%(k)s。") % {"k": "、".join(sorted(unknown))})

    def whole(key: str, low: int, high: int, message: str) -> None:
        if key not in values:
            return
        value = values[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(message)

    whole(
        "max_points_per_cadre",
        1,
        MAX_POINTS_PER_CADRE,
        _("每名干部最多点位数应在 1–%(n)d 之间。") % {"n": MAX_POINTS_PER_CADRE},
    )
    whole(
        "households_per_cadre",
        0,
        MAX_HOUSEHOLDS_PER_CADRE,
        _("每名干部对应户数应在 0–%(n)d 之间（0 表示按户数比例分配全部干部）。")
        % {"n": MAX_HOUSEHOLDS_PER_CADRE},
    )
    whole(
        "unit_required_default",
        0,
        MAX_UNIT_REQUIRED,
        _("单位点位默认需要人数应在 0–%(n)d 之间。") % {"n": MAX_UNIT_REQUIRED},
    )
    if "avoid_home_neighborhood" in values and not isinstance(values["avoid_home_neighborhood"], bool):
        raise ValidationError(_("“不派往本人居住的居民区”应为是或否。"))
    if "roster_cover_elsewhere" in values and not isinstance(values["roster_cover_elsewhere"], bool):
        raise ValidationError(_("“值班可跨点位顶岗”应为是或否。"))
    if "affinity" in values:
        values["affinity"] = clean_affinity(values["affinity"])


@transaction.atomic
def save_settings(
    *, actor: Any, subdistrict: SubDistrict, expected_version: int | None = None, **values: Any
) -> PairingSettings:
    """Save the HQ's optimiser rules (audited). Bad values raise ValidationError in Chinese and change
    nothing; a stale ``expected_version`` raises ConflictError (no lost update)."""
    require_hq(actor)
    _check_settings(values)
    obj = PairingSettings.objects.filter(subdistrict=subdistrict).first()
    if obj is None:
        obj = PairingSettings(subdistrict=subdistrict, **values)
        return core_services.create_object(actor=actor, obj=obj, note=_("结对规则"))
    for key, value in values.items():
        setattr(obj, key, value)
    return core_services.update_object(
        actor=actor, obj=obj, expected_version=expected_version, note=_("结对规则")
    )


# ------------------------------------------------------------------ pairings


@transaction.atomic
def pair_cadre(
    *,
    actor: Any,
    cadre: SupportCadre,
    point: Point,
    responsibility: ResponsibilityType | None = None,
    responsibility_note: str = "",
    source: str = PairingSource.MANUAL,
    started_on: dt.date | None = None,
) -> Pairing:
    """Bind a cadre to a fixed point (条块结对定点) with a responsibility (联络结盟定责)."""
    require_manager(actor)
    if cadre.subdistrict_id != point.subdistrict_id:
        raise ValidationError(_("干部与点位不在同一街道。"))
    if not point.active:
        raise ValidationError(_("该点位已不在列。"))
    if Pairing.objects.filter(cadre=cadre, point=point, active=True).exists():
        raise ValidationError(_("%(c)s 已结对「%(p)s」。") % {"c": cadre.name, "p": point.name})
    settings = settings_for(point.subdistrict_id)
    n_active = Pairing.objects.filter(cadre=cadre, active=True).count()
    if n_active >= settings.max_points_per_cadre:
        raise ValidationError(
            _("%(c)s 已有 %(n)d 个点位，每人最多 %(m)d 个。")
            % {"c": cadre.name, "n": n_active, "m": settings.max_points_per_cadre}
        )
    pairing = Pairing(
        subdistrict_id=point.subdistrict_id,
        cadre=cadre,
        point=point,
        neighborhood_id=point.neighborhood_id,
        department_id=cadre.department_id,
        responsibility=responsibility,
        responsibility_note=responsibility_note,
        source=source,
        started_on=started_on or timezone.localdate(),
    )
    return core_services.create_object(actor=actor, obj=pairing)


@transaction.atomic
def update_pairing(
    *,
    actor: Any,
    pairing: Pairing,
    expected_version: int,
    responsibility: ResponsibilityType | None,
    responsibility_note: str,
) -> Pairing:
    """Change a pairing's responsibility; a stale ``expected_version`` raises ConflictError (no lost update)."""
    require_manager(actor)
    pairing.responsibility = responsibility
    pairing.responsibility_note = responsibility_note
    return core_services.update_object(actor=actor, obj=pairing, expected_version=expected_version)


@transaction.atomic
def end_pairing(
    *, actor: Any, pairing: Pairing, expected_version: int | None = None, on: dt.date | None = None
) -> Pairing:
    require_manager(actor)
    if not pairing.active:
        return pairing
    pairing.active = False
    pairing.ended_on = max(on or timezone.localdate(), pairing.started_on)
    return core_services.update_object(actor=actor, obj=pairing, expected_version=expected_version)


# ------------------------------------------------------------------ teams, branch, tasks


@transaction.atomic
def create_team(
    *,
    actor: Any,
    subdistrict: SubDistrict,
    name: str,
    neighborhood: Neighborhood | None = None,
    point: Point | None = None,
    description: str = "",
) -> Team:
    require_manager(actor)
    if not name.strip():
        raise ValidationError(_("请填写队伍名称。"))
    if point is not None and neighborhood is None:
        neighborhood = point.neighborhood
    team = Team(
        subdistrict=subdistrict,
        name=name.strip(),
        neighborhood=neighborhood,
        point=point,
        description=description,
    )
    return core_services.create_object(actor=actor, obj=team)


@transaction.atomic
def add_team_member(
    *,
    actor: Any,
    team: Team,
    cadre: SupportCadre | None = None,
    staff: CommitteeStaff | None = None,
    volunteer: Volunteer | None = None,
    is_leader: bool = False,
) -> TeamMember:
    require_manager(actor)
    check_scope(actor, team)
    chosen = [p for p in (cadre, staff, volunteer) if p is not None]
    if len(chosen) != 1:
        raise ValidationError(_("请选择一名成员。"))
    person = chosen[0]
    if person.subdistrict_id != team.subdistrict_id:
        raise ValidationError(_("成员与队伍不在同一街道。"))
    kind = MemberKind.CADRE if cadre else MemberKind.STAFF if staff else MemberKind.VOLUNTEER
    lookup = {kind.value: person}
    if TeamMember.objects.filter(team=team, **lookup).exists():
        raise ValidationError(_("%(p)s 已在队伍中。") % {"p": person})
    if is_leader:
        TeamMember.objects.filter(team=team, is_leader=True).update(is_leader=False)
    member = TeamMember.objects.create(team=team, kind=kind, is_leader=is_leader, **lookup)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=team,
        changes={"member_added": str(person), "kind": kind.value, "leader": is_leader},
    )
    return member


@transaction.atomic
def set_team_leader(*, actor: Any, member: TeamMember) -> TeamMember:
    require_manager(actor)
    check_scope(actor, member.team)
    TeamMember.objects.filter(team=member.team, is_leader=True).exclude(pk=member.pk).update(is_leader=False)
    member.is_leader = True
    member.save(update_fields=["is_leader"])
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=member.team, changes={"leader": str(member)})
    return member


@transaction.atomic
def remove_team_member(*, actor: Any, member: TeamMember) -> None:
    require_manager(actor)
    team = member.team
    check_scope(actor, team)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=team, changes={"member_removed": str(member)})
    member.delete()


@transaction.atomic
def join_temporary_branch(*, actor: Any, cadres: Iterable[SupportCadre], branch: Any) -> int:
    """Enrol support cadres in the support force's temporary party branch."""
    require_hq(actor)
    if not branch.is_temporary:
        raise ValidationError(_("请选择临时党支部。"))
    ids = [c.pk for c in cadres if c.subdistrict_id == branch.subdistrict_id]
    n = SupportCadre.objects.filter(pk__in=ids).update(party_branch=branch)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=branch, changes={"members_added": ids})
    return n


@transaction.atomic
def create_task(
    *,
    actor: Any,
    title: str,
    owner_name: str,
    pairing: Pairing | None = None,
    team: Team | None = None,
    due_date: dt.date | None = None,
    recurrence: str = Recurrence.NONE,
    note: str = "",
) -> PairingTask:
    """定事: a task of a pairing or a team."""
    require_manager(actor)
    if (pairing is None) == (team is None):
        raise ValidationError(_("任务必须属于一个结对或一个队伍。"))
    owner: Any = pairing or team
    if not title.strip():
        raise ValidationError(_("请填写事项。"))
    if recurrence == Recurrence.NONE and due_date is None:
        raise ValidationError(_("一次性任务需要截止日期。"))
    task = PairingTask(
        subdistrict_id=owner.subdistrict_id,
        neighborhood_id=owner.neighborhood_id,
        title=title.strip(),
        owner_name=owner_name.strip() or str(getattr(owner, "cadre", owner)),
        pairing=pairing,
        team=team,
        due_date=due_date,
        recurrence=recurrence,
        note=note,
    )
    return core_services.create_object(actor=actor, obj=task)


@transaction.atomic
def set_task_status(
    *, actor: Any, task: PairingTask, status: str, expected_version: int | None = None
) -> PairingTask:
    if status not in TaskStatus.values:
        raise ValidationError(_("无效的任务状态。"))
    own = owns_task(actor, task)
    if not may_set_task_status(actor, task):
        raise PermissionDenied(_("您的角色不能执行此操作。"))
    task.status = status
    if own and not is_manager(actor):
        # a cadre updates the status of their own pairing's task; the scope check is the ownership itself
        current = PairingTask.objects.select_for_update().get(pk=task.pk)
        if expected_version is not None and current.version != expected_version:
            from fangkong.core.exceptions import ConflictError

            raise ConflictError(_("该记录已被他人修改，请刷新后重试。"), code="conflict")
        PairingTask.objects.filter(pk=task.pk).update(status=status, version=current.version + 1)
        task.version = current.version + 1
        audit.record(
            actor=actor, action=AuditAction.UPDATE, obj=task, changes={"status": [current.status, status]}
        )
        return task
    return core_services.update_object(actor=actor, obj=task, expected_version=expected_version)


# ------------------------------------------------------------------ optimiser proposals


def optimiser_input(subdistrict_id: int) -> tuple[list, list, Any]:
    """The cadres, points (with their required counts) and rules the optimiser works on."""
    from fangkong.pairing.optimiser import CadreIn, PairingRules, PointIn
    from fangkong.pairing.requirements import PointDemand, required_counts
    from fangkong.registry.choices import DepartmentKind

    settings = settings_for(subdistrict_id)
    cadre_rows = list(
        SupportCadre.objects.filter(subdistrict_id=subdistrict_id, active=True).select_related("department")
    )
    current: dict[int, set[int]] = defaultdict(set)
    for cid, pid in Pairing.objects.filter(subdistrict_id=subdistrict_id, active=True).values_list(
        "cadre_id", "point_id"
    ):
        current[cid].add(pid)
    labels = dict(DepartmentKind.choices)
    cadres = [
        CadreIn(
            id=c.pk,
            name=c.name,
            dept_kind=c.department.kind,
            dept_label=str(labels.get(c.department.kind, c.department.name)),
            home_neighborhood_id=c.home_neighborhood_id,
            current_points=frozenset(current.get(c.pk, set())),
        )
        for c in cadre_rows
    ]
    point_rows = list(
        Point.objects.filter(subdistrict_id=subdistrict_id, active=True).order_by("kind", "name")
    )
    needs = required_counts(
        [PointDemand(p.pk, p.kind, p.households, p.required_count) for p in point_rows],
        cadre_count=len(cadres),
        households_per_cadre=settings.households_per_cadre,
        unit_default=settings.unit_required_default,
    )
    points = [PointIn(p.pk, p.name, p.kind, p.neighborhood_id, needs[p.pk]) for p in point_rows]
    rules = PairingRules(
        max_points_per_cadre=settings.max_points_per_cadre,
        avoid_home_neighborhood=settings.avoid_home_neighborhood,
        affinity=settings.affinity or {},
    )
    return cadres, points, rules


@transaction.atomic
def propose_pairings(*, actor: Any, subdistrict: SubDistrict, time_limit: float = 10.0) -> PairingProposal:
    """Run the optimiser and store its proposal for review; infeasible input stores the explanation."""
    from fangkong.pairing.optimiser import reason_text, solve_pairing

    if actor is not None:
        require_hq(actor)
    cadres, points, rules = optimiser_input(subdistrict.pk)
    result = solve_pairing(cadres, points, rules, time_limit=time_limit)
    proposal = PairingProposal.objects.create(
        subdistrict=subdistrict,
        status=ProposalStatus.OPEN if result.ok else ProposalStatus.INFEASIBLE,
        params={
            "time_limit": time_limit,
            "max_points_per_cadre": rules.max_points_per_cadre,
            "avoid_home_neighborhood": rules.avoid_home_neighborhood,
            "cadres": len(cadres),
            "points": len(points),
            "required": sum(p.required for p in points),
        },
        solver_status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=round(result.seconds, 3),
        explanation=result.explanation,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if result.ok:
        items = []
        for c in cadres:
            new = set(result.assignment.get(c.id, []))
            for pid in sorted(new | c.current_points):
                if pid in new and pid in c.current_points:
                    action = ProposalAction.KEEP
                elif pid in new:
                    action = ProposalAction.ADD
                else:
                    action = ProposalAction.REMOVE
                parts = (
                    result.reason_parts.get(c.id, []) if action != ProposalAction.REMOVE else [("remove", {})]
                )
                items.append(
                    ProposalItem(
                        proposal=proposal,
                        cadre_id=c.id,
                        point_id=pid,
                        action=action,
                        reason=reason_text(parts)[:200],
                        reason_args=[list(part) for part in parts],
                    )
                )
        ProposalItem.objects.bulk_create(items)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=proposal,
        changes={"status": result.status, "gap": result.gap, "objective": result.objective},
    )
    return proposal


@transaction.atomic
def accept_proposal(
    *, actor: Any, proposal: PairingProposal, item_ids: Sequence[int] | None = None
) -> dict[str, int]:
    """Carry out a proposal, wholly or the chosen items only: adds pair the cadre, removals end pairings."""
    require_hq(actor)
    proposal = PairingProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.PARTLY):
        raise ValidationError(_("该方案已处理，不能再次采纳。"))
    pending = proposal.items.filter(accepted_at__isnull=True).select_related("cadre", "point")
    if item_ids is not None:
        pending = pending.filter(pk__in=list(item_ids))
    items = list(pending)
    now = timezone.now()
    done = {"added": 0, "removed": 0, "kept": 0}
    # removals first, so a cadre moving point stays within their point limit
    for item in sorted(items, key=lambda i: i.action != ProposalAction.REMOVE):
        if item.action == ProposalAction.REMOVE:
            for pairing in Pairing.objects.filter(cadre=item.cadre, point=item.point, active=True):
                end_pairing(actor=actor, pairing=pairing)
            done["removed"] += 1
        elif item.action == ProposalAction.ADD:
            if not Pairing.objects.filter(cadre=item.cadre, point=item.point, active=True).exists():
                pair_cadre(actor=actor, cadre=item.cadre, point=item.point, source=PairingSource.OPTIMISER)
            done["added"] += 1
        else:
            done["kept"] += 1
        item.accepted_at = now
    ProposalItem.objects.bulk_update(items, ["accepted_at"])
    left = proposal.items.filter(accepted_at__isnull=True).exists()
    proposal.status = ProposalStatus.PARTLY if left else ProposalStatus.ACCEPTED
    proposal.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action=AuditAction.ACTION, obj=proposal, changes=done, note=_("采纳结对方案"))
    return done


@transaction.atomic
def reject_proposal(*, actor: Any, proposal: PairingProposal) -> PairingProposal:
    require_hq(actor)
    if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.PARTLY):
        raise ValidationError(_("该方案已处理。"))
    proposal.status = ProposalStatus.REJECTED
    proposal.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action=AuditAction.ACTION, obj=proposal, note=_("驳回结对方案"))
    return proposal


# ------------------------------------------------------------------ building assignment (分楼包干)


def _person_fields(cadre: SupportCadre | None, staff: CommitteeStaff | None) -> dict[str, Any]:
    if (cadre is None) == (staff is None):
        raise ValidationError(_("每栋楼须指定一名负责人（干部或社区工作者）。"))
    return {"cadre": cadre, "staff": staff}


@transaction.atomic
def assign_building(
    *,
    actor: Any,
    building: Building,
    cadre: SupportCadre | None = None,
    staff: CommitteeStaff | None = None,
    team: Team | None = None,
) -> BuildingAssignment:
    require_manager(actor)
    fields = _person_fields(cadre, staff)
    row = BuildingAssignment.objects.select_for_update().filter(building=building).first()
    if row is None:
        row = BuildingAssignment(
            building=building,
            subdistrict_id=building.subdistrict_id,
            neighborhood_id=building.neighborhood_id,
            team=team,
            **fields,
        )
        return core_services.create_object(actor=actor, obj=row)
    row.cadre, row.staff, row.team = fields["cadre"], fields["staff"], team
    return core_services.update_object(actor=actor, obj=row)


@transaction.atomic
def assign_compound(
    *,
    actor: Any,
    compound: Compound,
    cadre: SupportCadre | None = None,
    staff: CommitteeStaff | None = None,
    team: Team | None = None,
    only_unassigned: bool = False,
) -> int:
    """Assign every building of a compound to one person in bulk (one audit event)."""
    require_manager(actor)
    fields = _person_fields(cadre, staff)
    check_scope(
        actor,
        BuildingAssignment(subdistrict_id=compound.subdistrict_id, neighborhood_id=compound.neighborhood_id),
    )
    buildings = list(Building.objects.filter(compound=compound).values_list("pk", flat=True))
    existing = {
        a.building_id: a
        for a in BuildingAssignment.objects.select_for_update().filter(building_id__in=buildings)
    }
    new, changed = [], []
    for bid in buildings:
        row = existing.get(bid)
        if row is None:
            new.append(
                BuildingAssignment(
                    building_id=bid,
                    subdistrict_id=compound.subdistrict_id,
                    neighborhood_id=compound.neighborhood_id,
                    team=team,
                    **fields,
                )
            )
        elif not only_unassigned:
            row.cadre, row.staff, row.team = fields["cadre"], fields["staff"], team
            row.version += 1
            changed.append(row)
    BuildingAssignment.objects.bulk_create(new)
    BuildingAssignment.objects.bulk_update(changed, ["cadre", "staff", "team", "version", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=compound,
        changes={"person": str(cadre or staff), "created": len(new), "updated": len(changed)},
        note=_("按小区批量分楼包干"),
    )
    return len(new) + len(changed)


@transaction.atomic
def unassign_building(*, actor: Any, assignment: BuildingAssignment) -> None:
    require_manager(actor)
    core_services.delete_object(actor=actor, obj=assignment)


# ------------------------------------------------------------------ check-in rounds (打卡)


@transaction.atomic
def create_task_template(
    *, actor: Any, subdistrict: SubDistrict, name: str, frequency: int = 1, deadlines: list[str] | None = None
) -> TaskTemplate:
    require_hq(actor)
    deadlines = deadlines or (["20:00"] if frequency == 1 else ["12:00", "20:00"])
    for value in deadlines:
        try:
            dt.time.fromisoformat(value)
        except ValueError:
            raise ValidationError(_("截止时间格式应为 HH:MM，例如 20:00。"))
    if len(deadlines) < frequency:
        raise ValidationError(_("每日 %(n)d 次需要 %(n)d 个截止时间。") % {"n": frequency})
    obj = TaskTemplate(subdistrict=subdistrict, name=name.strip(), frequency=frequency, deadlines=deadlines)
    return core_services.create_object(actor=actor, obj=obj)


@transaction.atomic
def apply_template(
    *,
    actor: Any,
    template: TaskTemplate,
    buildings: Iterable[Building] | None = None,
    frequency: int | None = None,
) -> int:
    """Give buildings (default: all of the sub-district) the task; existing ones keep their frequency."""
    require_manager(actor)
    if buildings is None:
        rows = list(
            Building.objects.filter(subdistrict_id=template.subdistrict_id).values_list(
                "pk", "neighborhood_id"
            )
        )
    else:
        rows = [(b.pk, b.neighborhood_id) for b in buildings if b.subdistrict_id == template.subdistrict_id]
    freq = frequency or template.frequency
    objs = [
        BuildingTask(
            subdistrict_id=template.subdistrict_id,
            building_id=bid,
            neighborhood_id=hid,
            template=template,
            frequency=freq,
        )
        for bid, hid in rows
    ]
    before = BuildingTask.objects.filter(template=template).count()
    BuildingTask.objects.bulk_create(objs, batch_size=500, ignore_conflicts=True)
    added = BuildingTask.objects.filter(template=template).count() - before
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=template,
        changes={"buildings_added": added, "frequency": freq},
    )
    return added


def _due_at(day: dt.date, deadline: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(deadline)))


@transaction.atomic
def generate_rounds(*, actor: Any, subdistrict: SubDistrict, start: dt.date, days: int = 1) -> int:
    """Create the daily rounds of every active building task for ``days`` days from ``start``.

    One INSERT … SELECT per (day, slot, template): the number of queries does not depend on the number
    of buildings. Existing rounds are left alone, so running it twice adds nothing.
    """
    if actor is not None:
        require_manager(actor)
    if days < 1 or days > 62:
        raise ValidationError(_("一次最多生成 62 天的打卡轮次。"))
    templates = list(
        TaskTemplate.objects.filter(subdistrict=subdistrict, active=True).values_list("pk", "deadlines")
    )
    max_freq = 2
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    table = CheckInRound._meta.db_table
    tasks = BuildingTask._meta.db_table
    created = 0
    sql = (
        f"INSERT INTO {table} (created_at, updated_at, version, subdistrict_id, building_task_id, building_id, "
        f"template_id, neighborhood_id, date, slot, due_at, status, note, photo) "
        f"SELECT %s, %s, 1, bt.subdistrict_id, bt.id, bt.building_id, bt.template_id, bt.neighborhood_id, %s, %s, %s, "
        f"%s, '', '' FROM {tasks} bt WHERE bt.subdistrict_id = %s AND bt.template_id = %s AND bt.active = %s "
        f"AND bt.frequency >= %s AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.building_task_id = bt.id "
        f"AND r.date = %s AND r.slot = %s)"
    )
    with connection.cursor() as cursor:
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            day_value = ops.adapt_datefield_value(day)
            for template_id, deadlines in templates:
                deadlines = list(deadlines or ["20:00"])
                for slot in range(1, max_freq + 1):
                    deadline = deadlines[min(slot, len(deadlines)) - 1]
                    due = ops.adapt_datetimefield_value(_due_at(day, deadline))
                    cursor.execute(
                        sql,
                        [
                            now,
                            now,
                            day_value,
                            slot,
                            due,
                            RoundStatus.PENDING,
                            subdistrict.pk,
                            template_id,
                            True,
                            slot,
                            day_value,
                            slot,
                        ],
                    )
                    created += max(cursor.rowcount, 0)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="pairing.checkinround",
        object_repr=_("生成打卡轮次"),
        changes={"start": start.isoformat(), "days": days, "created": created},
        subdistrict_id=subdistrict.pk,
    )
    return created


def resize_photo(upload: Any) -> ContentFile:
    """A JPEG no larger than MAX_PHOTO_SIDE on its longer side; anything that is not an image is refused."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    image: Any
    try:
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(_("照片无法识别，请上传 JPEG 或 PNG 图片。"))
    image = ImageOps.exif_transpose(image) or image
    image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return ContentFile(out.getvalue())


@transaction.atomic
def check_in(
    *,
    actor: Any,
    checkin_round: CheckInRound,
    note: str = "",
    photo: Any = None,
    at: dt.datetime | None = None,
) -> tuple[CheckInRound, bool]:
    """Record a check-in. A round already done is returned unchanged (idempotent): ``(round, False)``."""
    current = (
        CheckInRound.objects.select_for_update()
        .select_related("building", "template")
        .get(pk=checkin_round.pk)
    )
    if not may_check_in(actor, current.building):
        raise PermissionDenied(_("您不是该楼栋的包干负责人或其团队成员，不能打卡。"))
    if current.status == RoundStatus.DONE:
        return current, False
    content = resize_photo(photo) if photo else None
    current.status = RoundStatus.DONE
    current.done_at = at or timezone.now()
    current.done_by = actor
    current.note = (note or "")[:200]
    current.version += 1
    if content is not None:
        current.photo.save(f"{current.building_id}-{current.pk}.jpg", content, save=False)
    current.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=current,
        changes={"status": "done", "photo": bool(content), "note": current.note},
        note=_("打卡"),
    )
    return current, True


@transaction.atomic
def detect_overdue(
    *, now: dt.datetime | None = None, subdistrict: SubDistrict | None = None
) -> list[CheckInRound]:
    """Mark pending rounds past their deadline as overdue and alert, once, the person in charge of each
    building and the committee staff of its neighborhood."""
    from fangkong.core.models import User

    now = now or timezone.now()
    qs = CheckInRound.objects.select_for_update().filter(status=RoundStatus.PENDING, due_at__lt=now)
    if subdistrict is not None:
        qs = qs.filter(subdistrict=subdistrict)
    rounds = list(qs.select_related("building__compound", "template", "neighborhood"))
    if not rounds:
        return []
    ids = [r.pk for r in rounds]
    CheckInRound.objects.filter(pk__in=ids).update(status=RoundStatus.OVERDUE, overdue_notified_at=now)
    building_ids = {r.building_id for r in rounds}
    responsible: dict[int, Any] = {}
    for a in BuildingAssignment.objects.filter(building_id__in=building_ids).select_related(
        "cadre__user", "staff__user"
    ):
        person = a.cadre or a.staff
        user = getattr(person, "user", None)
        if user is not None and user.is_active:
            responsible[a.building_id] = user
    by_user: dict[int, list[CheckInRound]] = defaultdict(list)
    users: dict[int, Any] = {}
    by_hood: dict[int, list[CheckInRound]] = defaultdict(list)
    for r in rounds:
        r.status = RoundStatus.OVERDUE
        user = responsible.get(r.building_id)
        if user is not None:
            by_user[user.pk].append(r)
            users[user.pk] = user
        by_hood[r.neighborhood_id].append(r)

    def lines(items: list[CheckInRound]) -> str:
        return "\n".join(
            f"{r.building.compound.name}{r.building.name} {r.template.name} {r.date:%m-%d} #{r.slot}"
            f"（{timezone.localtime(r.due_at):%H:%M} 截止）"
            for r in items[:50]
        ) + ("\n…" if len(items) > 50 else "")

    sweep = f"pairing.overdue:{now:%Y%m%d%H%M%S}"
    alerts: list[Alert] = []
    link = reverse("pairing:rounds")
    for uid, items in by_user.items():
        first = items[0]
        alerts.append(
            Alert(
                kind="pairing.round_overdue",
                subject=_("%(n)d 项打卡已逾期") % {"n": len(items)},
                body=lines(items),
                recipients=[users[uid]],
                key=f"{sweep}:u{uid}",
                link=link,
                subdistrict_id=first.subdistrict_id,
                neighborhood_id=first.neighborhood_id,
            )
        )
    staff_users: dict[int, list[Any]] = defaultdict(list)
    for user in User.objects.filter(
        role=Role.STAFF, is_active=True, neighborhoods__in=list(by_hood)
    ).prefetch_related("neighborhoods"):
        for hood in user.neighborhoods.all():
            if hood.pk in by_hood:
                staff_users[hood.pk].append(user)
    for hood_id, items in by_hood.items():
        first = items[0]
        subject = _("%(hood)s %(n)d 项打卡已逾期") % {"hood": first.neighborhood.name, "n": len(items)}
        alerts.append(
            Alert(
                kind="pairing.round_overdue",
                subject=subject,
                body=lines(items),
                recipients=staff_users.get(hood_id, []),
                key=f"{sweep}:h{hood_id}",
                link=link,
                subdistrict_id=first.subdistrict_id,
                neighborhood_id=hood_id,
                level=LEVEL_COMMITTEE,
            )
        )
    alert_many(alerts)
    audit.record(
        actor=None,
        action=AuditAction.ACTION,
        object_type="pairing.checkinround",
        object_repr=_("逾期打卡提醒"),
        changes={"overdue": len(rounds), "buildings": len(building_ids)},
        subdistrict_id=rounds[0].subdistrict_id,
    )
    return rounds


# ------------------------------------------------------------------ duty rosters (联防联控值班表)


@transaction.atomic
def create_shift_template(
    *,
    actor: Any,
    point: Point,
    name: str,
    start_time: dt.time,
    end_time: dt.time,
    head_count: int = 1,
    required_skill: str = "",
    weekdays: list[int] | None = None,
) -> ShiftTemplate:
    require_manager(actor)
    if start_time == end_time:
        raise ValidationError(_("班次开始与结束时间不能相同。"))
    if head_count < 1:
        raise ValidationError(_("人数至少为 1。"))
    days = sorted(set(weekdays if weekdays is not None else range(7)))
    if not days or any(d not in range(7) for d in days):
        raise ValidationError(_("请至少选择一个值班日。"))
    same = ShiftTemplate.objects.filter(point=point, active=True, name=name.strip())
    for other in same:
        raise ValidationError(_("点位「%(p)s」已有同名班次「%(n)s」。") % {"p": point.name, "n": other.name})
    obj = ShiftTemplate(
        subdistrict_id=point.subdistrict_id,
        point=point,
        neighborhood_id=point.neighborhood_id,
        name=name.strip(),
        start_time=start_time,
        end_time=end_time,
        head_count=head_count,
        required_skill=required_skill.strip(),
        weekdays=days,
    )
    return core_services.create_object(actor=actor, obj=obj)


@transaction.atomic
def add_duty_person(
    *,
    actor: Any,
    subdistrict: SubDistrict,
    cadre: SupportCadre | None = None,
    staff: CommitteeStaff | None = None,
    volunteer: Volunteer | None = None,
    skills: str = "",
    max_shifts_per_week: int | None = None,
    available_weekdays: list[int] | None = None,
) -> DutyPerson:
    """Put a cadre, committee worker or volunteer on the duty pool (once each)."""
    require_manager(actor)
    chosen = [p for p in (cadre, staff, volunteer) if p is not None]
    if len(chosen) != 1:
        raise ValidationError(_("请选择一名人员。"))
    if available_weekdays is not None:
        if not available_weekdays:
            raise ValidationError(_("请至少选择一个可值班的星期。"))
        if any(d not in range(7) for d in available_weekdays):
            raise ValidationError(_("可值班星期应为周一至周日。"))
    person: Any = chosen[0]
    kind = MemberKind.CADRE if cadre else MemberKind.STAFF if staff else MemberKind.VOLUNTEER
    existing = DutyPerson.objects.filter(**{kind.value: person}).first()
    if existing is not None:
        # already on the pool: a new answer for the weekdays, skills or weekly cap updates the record
        changes = {
            "available_weekdays": sorted(set(available_weekdays)) if available_weekdays is not None else None,
            "skills": skills or None,
            "max_shifts_per_week": max_shifts_per_week,
        }
        changes = {k: v for k, v in changes.items() if v is not None and getattr(existing, k) != v}
        if not changes:
            return existing
        for key, value in changes.items():
            setattr(existing, key, value)
        return core_services.update_object(actor=actor, obj=existing)
    hood_id = getattr(person, "neighborhood_id", None)
    if cadre is not None:
        hood_id = (
            Pairing.objects.filter(cadre=cadre, active=True, neighborhood__isnull=False)
            .values_list("neighborhood_id", flat=True)
            .first()
        )
    obj = DutyPerson(
        subdistrict=subdistrict,
        kind=kind,
        name=person.name,
        neighborhood_id=hood_id,
        skills=skills or getattr(person, "skills", ""),
        max_shifts_per_week=max_shifts_per_week,
        available_weekdays=sorted(set(available_weekdays))
        if available_weekdays is not None
        else list(range(7)),
        **{kind.value: person},
    )
    return core_services.create_object(actor=actor, obj=obj)


@transaction.atomic
def record_leave(
    *,
    actor: Any,
    person: DutyPerson,
    start_date: dt.date,
    end_date: dt.date,
    kind: str = "leave",
    note: str = "",
) -> Unavailability:
    require_manager(actor)
    check_scope(actor, person) if person.neighborhood_id else require_hq_or_office(actor)
    if end_date < start_date:
        raise ValidationError(_("结束日期不能早于开始日期。"))
    row = Unavailability.objects.create(
        person=person, start_date=start_date, end_date=end_date, kind=kind, note=note
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=person,
        changes={"leave": [start_date.isoformat(), end_date.isoformat()]},
    )
    return row


@transaction.atomic
def create_roster(
    *,
    actor: Any,
    subdistrict: SubDistrict,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    templates: Sequence[ShiftTemplate],
    people: Sequence[DutyPerson],
    neighborhood: Neighborhood | None = None,
    max_shifts_per_week: int = 5,
    min_rest_hours: int = 11,
) -> Roster:
    require_manager(actor)
    if end_date < start_date:
        raise ValidationError(_("结束日期不能早于开始日期。"))
    if (end_date - start_date).days + 1 > MAX_ROSTER_DAYS:
        raise ValidationError(_("一张值班表最多 %(n)d 天。") % {"n": MAX_ROSTER_DAYS})
    if not templates:
        raise ValidationError(_("请至少选择一个班次。"))
    if not 1 <= max_shifts_per_week <= 7:
        raise ValidationError(_("每周最多班次应在 1–7 之间。"))
    if not 0 <= min_rest_hours <= 24:
        raise ValidationError(_("最少休息小时应在 0–24 之间。"))
    roster = Roster(
        subdistrict=subdistrict,
        name=name.strip() or _("值班表"),
        start_date=start_date,
        end_date=end_date,
        neighborhood=neighborhood,
        max_shifts_per_week=max_shifts_per_week,
        min_rest_hours=min_rest_hours,
    )
    roster = core_services.create_object(actor=actor, obj=roster)
    roster.templates.set([t for t in templates if t.subdistrict_id == subdistrict.pk])
    roster.people.set([p for p in people if p.subdistrict_id == subdistrict.pk])
    return roster


def roster_input(roster: Roster) -> tuple[list, list, Any]:
    from fangkong.pairing.rostering import PersonIn, RosterRules, ShiftIn

    shifts = [
        ShiftIn(
            id=t.pk,
            name=f"{t.point.name} {t.name}",
            point_id=t.point_id,
            start=t.start_time,
            end=t.end_time,
            head_count=t.head_count,
            skill=t.required_skill,
            weekdays=frozenset(t.weekdays),
        )
        for t in roster.templates.filter(active=True).select_related("point")
    ]
    people = list(roster.people.filter(active=True))
    leaves: dict[int, set[dt.date]] = defaultdict(set)
    for leave in Unavailability.objects.filter(
        person__in=people, end_date__gte=roster.start_date, start_date__lte=roster.end_date
    ):
        day = max(leave.start_date, roster.start_date)
        while day <= min(leave.end_date, roster.end_date):
            leaves[leave.person_id].add(day)
            day += dt.timedelta(days=1)
    points = duty_points(people)
    persons = [
        PersonIn(
            id=p.pk,
            name=p.name,
            skills=p.skill_set,
            available_weekdays=frozenset(p.available_weekdays),
            unavailable_dates=frozenset(leaves.get(p.pk, set())),
            max_per_week=p.max_shifts_per_week,
            points=frozenset(points.get(p.pk, set())),
        )
        for p in people
    ]
    rules = RosterRules(
        max_shifts_per_week=roster.max_shifts_per_week,
        min_rest_hours=roster.min_rest_hours,
        cover_elsewhere=settings_for(roster.subdistrict_id).roster_cover_elsewhere,
    )
    return shifts, persons, rules


def duty_points(people: Sequence[DutyPerson]) -> dict[int, set[int]]:
    """Each duty person's paired points (person id -> point ids), where the roster puts their shifts: a
    cadre's are the points of their active pairings; a committee worker's or volunteer's are the active
    points of their own neighborhood. Nobody listed may work anywhere. Two queries."""
    out: dict[int, set[int]] = defaultdict(set)
    by_cadre = {p.cadre_id: p.pk for p in people if p.cadre_id}
    for cadre_id, point_id in Pairing.objects.filter(active=True, cadre_id__in=list(by_cadre)).values_list(
        "cadre_id", "point_id"
    ):
        out[by_cadre[cadre_id]].add(point_id)
    by_hood: dict[int, list[int]] = defaultdict(list)
    for p in people:
        if not p.cadre_id and p.neighborhood_id:
            by_hood[p.neighborhood_id].append(p.pk)
    if by_hood:
        for hood_id, point_id in Point.objects.filter(
            active=True, neighborhood_id__in=list(by_hood)
        ).values_list("neighborhood_id", "pk"):
            for pid in by_hood[hood_id]:
                out[pid].add(point_id)
    return out


def _aware_interval(day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    from fangkong.pairing.checks import shift_interval

    iv = shift_interval(day, start, end)
    return timezone.make_aware(iv.start), timezone.make_aware(iv.end)


@transaction.atomic
def solve_roster(*, actor: Any, roster: Roster, time_limit: float = 10.0) -> Roster:
    """Solve the roster and replace its assignments; infeasible input keeps the old ones and explains why."""
    from fangkong.pairing import rostering

    if actor is not None:
        require_manager(actor)
        check_scope(actor, roster) if roster.neighborhood_id else require_hq_or_office(actor)
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    shifts, persons, rules = roster_input(roster)
    result = rostering.solve_roster(
        shifts, persons, roster.start_date, roster.end_date, rules, time_limit=time_limit
    )
    roster.solver_status = result.status
    roster.seconds = round(result.seconds, 3)
    roster.explanation = result.explanation
    roster.objective, roster.bound, roster.gap = result.objective, result.bound, result.gap
    if result.ok:
        times = {t.pk: (t.start_time, t.end_time) for t in roster.templates.all()}
        roster.assignments.all().delete()
        rows = []
        for sid, day, pid in result.assignments:
            starts_at, ends_at = _aware_interval(day, *times[sid])
            rows.append(
                RosterAssignment(
                    roster=roster,
                    template_id=sid,
                    person_id=pid,
                    date=day,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
            )
        RosterAssignment.objects.bulk_create(rows, batch_size=1000)
        if roster.status == RosterStatus.INFEASIBLE:
            roster.status = RosterStatus.DRAFT
    elif not roster.assignments.exists():
        roster.status = RosterStatus.INFEASIBLE
    roster.version += 1
    roster.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=roster,
        changes={"solver": result.status, "assignments": len(result.assignments), "gap": result.gap},
        note=_("求解值班表"),
    )
    return roster


def roster_warnings(roster: Roster) -> list[str]:
    """Rule violations of the roster as it stands (after hand edits), as warnings."""
    from fangkong.pairing.checks import roster_violations

    shifts, persons, rules = roster_input(roster)
    rows = list(roster.assignments.values_list("template_id", "date", "person_id"))
    known_people = {p.id for p in persons}
    missing = {pid for _s, _d, pid in rows if pid not in known_people}
    if missing:
        from fangkong.pairing.rostering import PersonIn

        for p in DutyPerson.objects.filter(pk__in=missing):
            persons.append(
                PersonIn(
                    id=p.pk,
                    name=p.name,
                    skills=p.skill_set,
                    available_weekdays=frozenset(p.available_weekdays),
                )
            )
    return roster_violations(
        shifts=shifts,
        persons=persons,
        start=roster.start_date,
        end=roster.end_date,
        assignments=rows,
        max_shifts_per_week=rules.max_shifts_per_week,
        min_rest_hours=rules.min_rest_hours,
        cover_elsewhere=rules.cover_elsewhere,
    )


def _roster_write(actor: Any, roster: Roster) -> None:
    require_roster_edit(actor, roster)


@transaction.atomic
def add_roster_assignment(
    *, actor: Any, roster: Roster, template: ShiftTemplate, person: DutyPerson, day: dt.date
) -> tuple[RosterAssignment, list[str]]:
    """Hand edit: put someone on a shift. Overlapping shifts of one person are refused; other rule breaks
    come back as warnings."""
    _roster_write(actor, roster)
    if not roster.start_date <= day <= roster.end_date:
        raise ValidationError(_("日期不在值班表范围内。"))
    if not roster.templates.filter(pk=template.pk).exists():
        raise ValidationError(_("该班次不属于这张值班表。"))
    starts_at, ends_at = _aware_interval(day, template.start_time, template.end_time)
    clash = (
        RosterAssignment.objects.filter(person=person, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("template")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _("%(p)s 在 %(d)s 已有班次「%(s)s」，时间重叠。")
            % {"p": person.name, "d": clash.date, "s": clash.template.name}
        )
    row = RosterAssignment.objects.create(
        roster=roster,
        template=template,
        person=person,
        date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        by_hand=True,
    )
    audit.record(
        actor=actor, action=AuditAction.UPDATE, obj=roster, changes={"added": str(row)}, note=_("手工排班")
    )
    return row, roster_warnings(roster)


@transaction.atomic
def remove_roster_assignment(*, actor: Any, assignment: RosterAssignment) -> list[str]:
    roster = assignment.roster
    _roster_write(actor, roster)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=roster,
        changes={"removed": str(assignment)},
        note=_("手工排班"),
    )
    assignment.delete()
    return roster_warnings(roster)


@transaction.atomic
def request_swap(
    *, actor: Any, first: RosterAssignment, second: RosterAssignment, note: str = ""
) -> ShiftSwap:
    if first.pk == second.pk or first.roster_id != second.roster_id:
        raise ValidationError(_("换班须是同一值班表中的两个不同班次。"))
    if first.person_id == second.person_id:
        raise ValidationError(_("两个班次是同一人，无需换班。"))
    if not may_request_swap(actor, first, second):
        raise PermissionDenied(_("只能为自己的班次申请换班。"))
    if ShiftSwap.objects.filter(
        Q(first__in=[first, second]) | Q(second__in=[first, second]), status=SwapStatus.PENDING
    ).exists():
        raise ValidationError(_("这些班次已有待审批的换班申请。"))
    swap = ShiftSwap.objects.create(
        roster=first.roster, first=first, second=second, requested_by=actor, note=note
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=first.roster,
        changes={"swap": swap.pk},
        note=_("申请换班"),
    )
    return swap


@transaction.atomic
def decide_swap(*, actor: Any, swap: ShiftSwap, approve: bool) -> tuple[ShiftSwap, list[str]]:
    """Approve (the two people trade shifts) or reject a swap; approval returns the roster's warnings."""
    _roster_write(actor, swap.roster)
    swap = ShiftSwap.objects.select_for_update().get(pk=swap.pk)
    if swap.status != SwapStatus.PENDING:
        raise ValidationError(_("该换班申请已处理。"))
    warnings: list[str] = []
    if approve:
        a = RosterAssignment.objects.select_for_update().get(pk=swap.first_id)
        b = RosterAssignment.objects.select_for_update().get(pk=swap.second_id)
        a.person_id, b.person_id = b.person_id, a.person_id
        a.by_hand = b.by_hand = True
        RosterAssignment.objects.bulk_update([a, b], ["person", "by_hand"])
        warnings = roster_warnings(swap.roster)
    swap.status = SwapStatus.APPROVED if approve else SwapStatus.REJECTED
    swap.decided_by = actor
    swap.decided_at = timezone.now()
    swap.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=swap.roster,
        changes={"swap": swap.pk, "approved": approve},
    )
    return swap, warnings


@transaction.atomic
def publish_roster(*, actor: Any, roster: Roster) -> Roster:
    _roster_write(actor, roster)
    if not roster.assignments.exists():
        raise ValidationError(_("值班表还没有排班，不能发布。"))
    roster.status = RosterStatus.PUBLISHED
    return core_services.update_object(actor=actor, obj=roster)

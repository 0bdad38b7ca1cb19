"""Teams, the support force's temporary party branch, and tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.pairing.access import (
    check_scope,
    is_manager,
    may_set_task_status,
    owns_task,
    require_hq,
    require_manager,
)
from fangkong.pairing.choices import (
    MemberKind,
    Recurrence,
    TaskStatus,
)
from fangkong.pairing.models import (
    Pairing,
    PairingTask,
    Point,
    Team,
    TeamMember,
)
from fangkong.registry.models import (
    CommitteeStaff,
    Neighborhood,
    SubDistrict,
    SupportCadre,
    Volunteer,
)

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


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
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

"""Online briefings (微党课): the briefing with its invited branches and the members expected from each,
attendance by the public link (name and branch, idempotent) or a group's roster imported by staff, the
questions of the Q&A, the real duration, and the summary the briefing page shows (expected and actual per
branch, branches that did not attend, real against planned duration)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.care import access
from fangkong.care.choices import AttendanceSource
from fangkong.care.models import Briefing, BriefingAttendance, BriefingBranch, BriefingQuestion
from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.services import check_write_scope
from fangkong.core.validators import validate_name

MAX_LIST = 20  # speakers, topics


def clean_name(name: str) -> str:
    """A member's name as stored and compared: inner and outer spaces removed (全角 too)."""
    return "".join(str(name).split()).replace("\u3000", "")[:50]


def _lines(values: Sequence[str]) -> list[str]:
    out = [v.strip()[:80] for v in values if v and v.strip()]
    return list(dict.fromkeys(out))[:MAX_LIST]


@transaction.atomic(durable=True)
def create_briefing(
    *,
    actor: Any,
    subdistrict_id: int,
    title: str,
    day: dt.date,
    invited: Sequence[tuple[Any, int]],
    neighborhood: Any = None,
    organisers: str = "",
    planned_minutes: int = 30,
    speakers: Sequence[str] = (),
    topics: Sequence[str] = (),
) -> Briefing:
    """Plan a briefing with its invited branches (branch, members expected)."""
    if actor is not None and not access.may_plan_briefing(actor):
        raise PermissionDenied(_("您不能登记微党课。"))
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("请填写题目。")]
    if not 1 <= int(planned_minutes) <= 600:
        errors["planned_minutes"] = [_("计划时长应在1–600分钟之间。")]
    branches: dict[int, int] = {}
    for branch, expected in invited:
        if branch.subdistrict_id != subdistrict_id:
            errors["invited"] = [_("请选择本街道的党组织。")]
        elif not 0 <= int(expected) <= 100_000:
            errors["invited"] = [_("应到人数不能为负数。")]
        else:
            branches[branch.pk] = int(expected)
    if not branches and "invited" not in errors:
        errors["invited"] = [_("请至少邀请一个党组织。")]
    if neighborhood is not None and neighborhood.subdistrict_id != subdistrict_id:
        errors["neighborhood"] = [_("请选择本街道的居民区。")]
    if errors:
        raise ValidationError(errors)
    briefing = Briefing(
        subdistrict_id=subdistrict_id,
        neighborhood=neighborhood,
        title=title.strip()[:120],
        organisers=organisers.strip()[:120],
        day=day,
        planned_minutes=int(planned_minutes),
        speakers=_lines(speakers),
        topics=_lines(topics),
        code=secrets.token_urlsafe(12),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if actor is not None:
        try:
            check_write_scope(actor, briefing)
        except ScopeError:
            raise PermissionDenied(_("超出您的管理范围。"))
    briefing.save(force_insert=True)
    BriefingBranch.objects.bulk_create(
        BriefingBranch(briefing=briefing, branch_id=pk, expected=n) for pk, n in branches.items()
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=briefing,
        changes={**audit.snapshot(briefing), "invited": branches},
    )
    return briefing


@dataclass
class CheckIn:
    attendance: BriefingAttendance
    created: bool


def _attend(*, briefing: Briefing, branch_id: int, name: str, source: str) -> CheckIn:
    row = BriefingAttendance(
        subdistrict_id=briefing.subdistrict_id,
        neighborhood_id=briefing.neighborhood_id,
        briefing=briefing,
        branch_id=branch_id,
        name=name,
        source=source,
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return CheckIn(
            BriefingAttendance.objects.get(briefing=briefing, branch_id=branch_id, name=name), created=False
        )
    return CheckIn(row, created=True)


@transaction.atomic(durable=True)
def check_in(*, briefing: Briefing, name: str, branch_id: int | None) -> CheckIn:
    """A member checks in by the briefing's link (no actor): name and one of the invited branches. A second
    check-in of the same name and branch (a double submit) answers the first; nothing else is told."""
    errors: dict[str, list[str]] = {}
    try:
        name = clean_name(validate_name(name, max_length=50))
    except ValidationError as exc:
        errors["name"] = exc.messages
    invited = set(briefing.invited.values_list("branch_id", flat=True))
    if branch_id not in invited:
        errors["branch"] = [_("请选择您所在的党组织。")]
    if errors:
        raise ValidationError(errors)
    assert branch_id is not None
    result = _attend(briefing=briefing, branch_id=branch_id, name=name, source=AttendanceSource.SELF)
    if result.created:
        audit.record(
            actor=None, action=AuditAction.CREATE, obj=result.attendance, changes={"branch": branch_id}
        )
    return result


def _check(actor: Any, briefing: Briefing, allowed: bool) -> None:
    """Staff who may edit the briefing, in scope; the system (``actor=None``, the demo) always."""
    if actor is None:
        return
    if not allowed:
        raise PermissionDenied(_("您不能修改该微党课。"))
    try:
        check_write_scope(actor, briefing)
    except ScopeError:
        raise PermissionDenied(_("超出您的管理范围。"))


@transaction.atomic
def add_attendance(*, actor: Any, briefing: Briefing, rows: Sequence[tuple[int, str]]) -> int:
    """Staff add members (branch id, name) to a briefing, e.g. a group's roster; names already there count
    once. Returns how many were new. Joins the caller's transaction (the roster import)."""
    _check(actor, briefing, access.may_edit_briefing(actor, briefing))
    invited = set(briefing.invited.values_list("branch_id", flat=True))
    added = 0
    for branch_id, raw in rows:
        name = clean_name(raw)
        if branch_id not in invited or not name:
            raise ValidationError(_("须为受邀党组织的党员姓名。"))
        added += _attend(
            briefing=briefing, branch_id=branch_id, name=name, source=AttendanceSource.IMPORT
        ).created
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=briefing, changes={"attendance_added": added})
    return added


@transaction.atomic(durable=True)
def record_times(
    *, actor: Any, briefing: Briefing, started_at: dt.datetime, ended_at: dt.datetime | None
) -> Briefing:
    """The real start and end of the briefing (its real duration against the planned one)."""
    briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
    _check(actor, briefing, access.may_edit_briefing(actor, briefing))
    if ended_at is not None and ended_at <= started_at:
        raise ValidationError({"ended_at": [_("结束时间须晚于开始时间。")]})
    if ended_at is not None and ended_at - started_at > dt.timedelta(hours=10):
        raise ValidationError({"ended_at": [_("一次微党课不超过10小时。")]})
    briefing.started_at, briefing.ended_at = started_at, ended_at
    briefing.save(update_fields=["started_at", "ended_at", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=briefing,
        changes={
            "started_at": started_at.isoformat(),
            "ended_at": ended_at.isoformat() if ended_at else None,
        },
    )
    return briefing


@transaction.atomic(durable=True)
def record_question(
    *, actor: Any, briefing: Briefing, text: str, asked_by: str = "", branch: Any = None
) -> BriefingQuestion:
    """A question asked during the Q&A."""
    _check(actor, briefing, access.may_edit_briefing(actor, briefing))
    if not text.strip() or "\x00" in text + asked_by:
        raise ValidationError({"text": [_("请填写问题。")]})
    if branch is not None and branch.subdistrict_id != briefing.subdistrict_id:
        raise ValidationError({"branch": [_("请选择本街道的党组织。")]})
    question = BriefingQuestion.objects.create(
        subdistrict_id=briefing.subdistrict_id,
        neighborhood_id=briefing.neighborhood_id,
        briefing=briefing,
        text=text.strip()[:500],
        asked_by=clean_name(asked_by),
        branch=branch,
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=question, changes=audit.snapshot(question))
    return question


@transaction.atomic(durable=True)
def answer_question(
    *, actor: Any, question: BriefingQuestion, answer: str, answered_by: str = ""
) -> BriefingQuestion:
    """The answer given to a question (it counts as answered)."""
    question = BriefingQuestion.objects.select_for_update().select_related("briefing").get(pk=question.pk)
    _check(actor, question.briefing, access.may_edit_briefing(actor, question.briefing))
    if not answer.strip():
        raise ValidationError({"answer": [_("请填写解答。")]})
    question.answered, question.answer = True, answer.strip()[:500]
    question.answered_by = answered_by.strip()[:50]
    question.save(update_fields=["answered", "answer", "answered_by", "updated_at"])
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=question, changes={"answered": True})
    return question


@dataclass
class BranchRow:
    branch: Any
    expected: int
    actual: int

    @property
    def missing(self) -> int:
        return max(self.expected - self.actual, 0)


@dataclass
class Summary:
    rows: list[BranchRow]
    absent: list[BranchRow]
    expected: int
    actual: int
    others: int  # attendances of branches not invited (none by the link; kept when an invitation is dropped)


def summary(briefing: Briefing) -> Summary:
    """Expected and actual attendance per invited branch, and the branches nobody came from, in two
    queries whatever the number of branches and members."""
    counts = dict(
        BriefingAttendance.objects.filter(briefing=briefing)
        .values("branch_id")
        .annotate(n=Count("id"))
        .values_list("branch_id", "n")
    )
    rows = [
        BranchRow(branch=inv.branch, expected=inv.expected, actual=counts.pop(inv.branch_id, 0))
        for inv in briefing.invited.select_related("branch").order_by("branch__name", "id")
    ]
    return Summary(
        rows=rows,
        absent=[r for r in rows if r.actual == 0],
        expected=sum(r.expected for r in rows),
        actual=sum(r.actual for r in rows),
        others=sum(counts.values()),
    )


def now() -> dt.datetime:
    return timezone.now()

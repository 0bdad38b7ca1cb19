"""Volunteers (志愿者): the public sign-up from a phone, the staff's verification (identity against the
registry by the ID number's hash, party membership) that makes a sign-up the registry's volunteer, duty
shifts (gate, screening, delivery) placed by the pairing app's roster solver, and service hours from
check-ins. Every write is audited and re-checks the actor's scope inside its transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.care import access
from fangkong.care.choices import IdentityCheck, SignupStatus, VolunteerSkill
from fangkong.care.models import ServiceSession, VolunteerSignup
from fangkong.core import audit, notify, personal
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.services import check_write_scope
from fangkong.core.validators import validate_name

# The words of each skill as stored data (the duty pool's skills, the shifts' required skill, the registry's
# volunteer): Chinese whatever the page's language, so the roster matches them.
SKILL_WORDS: dict[str, str] = {
    VolunteerSkill.GATE: "门岗",
    VolunteerSkill.SCREENING: "筛查",
    VolunteerSkill.DELIVERY: "配送",
    VolunteerSkill.OTHER: "其他",
}
# The duty shifts volunteers are rostered on: shift name, start, end, head count.
DUTY_SHIFTS: dict[str, tuple[str, dt.time, dt.time, int]] = {
    VolunteerSkill.GATE: ("志愿者门岗", dt.time(7, 0), dt.time(19, 0), 2),
    VolunteerSkill.SCREENING: ("志愿者筛查", dt.time(9, 0), dt.time(17, 0), 2),
    VolunteerSkill.DELIVERY: ("志愿者配送", dt.time(14, 0), dt.time(17, 0), 1),
}
MAX_SESSION_MINUTES = 24 * 60


def skill_words(skills: Sequence[str]) -> list[str]:
    return [SKILL_WORDS[s] for s in skills if s in SKILL_WORDS]


@dataclass
class SignupInput:
    neighborhood: Any
    name: str
    phone: str
    id_number: str
    compound: Any = None
    skills: list[str] = field(default_factory=list)
    weekdays: list[int] = field(default_factory=list)
    availability: str = ""
    says_party_member: bool = False


@transaction.atomic(durable=True)
def sign_up(*, data: SignupInput, public_key: str) -> VolunteerSignup:
    """A volunteer's sign-up from the public page (no actor). Idempotent: a repeat of the same submission
    (``public_key``), or a second sign-up of a phone that is still waiting, answers the sign-up already made,
    unchanged. The caller shows the same page whatever happened, so it tells nobody about anyone else."""
    if public_key:
        existing = VolunteerSignup.objects.filter(public_key=public_key).first()
        if existing is not None:
            return existing
    hood = data.neighborhood
    errors: dict[str, list[str]] = {}
    name = ""
    try:
        name = validate_name(data.name, max_length=50)
    except ValidationError as exc:
        errors["name"] = exc.messages
    availability = data.availability.strip()[:100]
    if any(ord(ch) < 32 for ch in availability):
        errors["availability"] = [_("可服务时段含有无法识别的字符。")]
    skills = [s for s in dict.fromkeys(data.skills) if s in VolunteerSkill.values]
    if not skills:
        errors["skills"] = [_("请至少选择一项服务。")]
    days = sorted({d for d in data.weekdays if isinstance(d, int) and 0 <= d <= 6})
    if not days:
        errors["weekdays"] = [_("请至少选择一天。")]
    if data.compound is not None and data.compound.neighborhood_id != hood.pk:
        errors["compound"] = [_("请选择本居民区的小区。")]
    signup = VolunteerSignup(
        subdistrict_id=hood.subdistrict_id,
        neighborhood=hood,
        compound=data.compound,
        name=name[:50],
        skills=skills,
        weekdays=days,
        availability=availability,
        says_party_member=bool(data.says_party_member),
        public_key=public_key[:80] or None,
    )
    try:
        personal.set_columns(signup, {"phone": data.phone, "id_number": data.id_number})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not data.phone.strip():
        errors["phone"] = [_("请填写手机号码。")]
    if not data.id_number.strip():
        errors["id_number"] = [_("请填写身份证号码。")]
    if errors:
        raise ValidationError(errors)
    waiting = VolunteerSignup.objects.filter(
        subdistrict_id=signup.subdistrict_id, phone_hash=signup.phone_hash, status=SignupStatus.PENDING
    ).first()
    if waiting is not None:
        return waiting
    try:
        with transaction.atomic():
            signup.save(force_insert=True)
    except IntegrityError:
        # the same submission or phone, saved by a concurrent request a moment ago
        same = Q(
            subdistrict_id=signup.subdistrict_id, phone_hash=signup.phone_hash, status=SignupStatus.PENDING
        )
        if signup.public_key:
            same |= Q(public_key=signup.public_key)
        again = VolunteerSignup.objects.filter(same).first()
        if again is None:
            raise
        return again
    audit.record(
        actor=None, action=AuditAction.CREATE, obj=signup, changes={"skills": skills, "weekdays": days}
    )
    notify.alert(
        kind="care.volunteer_signup",
        subject=_("新的志愿者报名待核实：%(hood)s") % {"hood": hood.name},
        recipients=notify.committee_of(signup.subdistrict_id, hood.pk),
        # one alert a day per neighborhood, however many sign up: the list of waiting sign-ups is the work
        key=f"care.volunteer_signup:{hood.pk}:{timezone.localdate().isoformat()}",
        link=reverse("care:volunteers"),
        subdistrict_id=signup.subdistrict_id,
        neighborhood_id=hood.pk,
        level=notify.LEVEL_COMMITTEE,
    )
    return signup


def registry_match(signup: VolunteerSignup) -> Any:
    """The resident of the registry with the sign-up's ID number (by its hash), in the sign-up's sub-district;
    None when there is none."""
    from fangkong.registry.models import Resident

    if not signup.id_number_hash:
        return None
    return (
        Resident.objects.filter(subdistrict_id=signup.subdistrict_id, id_number_hash=signup.id_number_hash)
        .select_related("household")
        .first()
    )


def _check(actor: Any, obj: Any) -> None:
    try:
        check_write_scope(actor, obj)
    except ScopeError:
        raise PermissionDenied(_("超出您的管理范围。"))


def _may_decide(actor: Any, signup: VolunteerSignup) -> None:
    """Staff in scope decide a waiting sign-up; the system (``actor=None``, the demo) any waiting one."""
    if actor is None:
        if signup.status != SignupStatus.PENDING:
            raise ValidationError(_("该报名已处理。"))
        return
    if not access.may_verify_signup(actor, signup):
        raise PermissionDenied(_("您不能核实该报名。"))
    _check(actor, signup)


def _save(actor: Any, obj: Any, *, created: bool) -> None:
    """Save a registry row as staff (scope checked, audited) or as the system (audited)."""
    if actor is not None:
        if created:
            core_services.create_object(actor=actor, obj=obj, note=_("志愿者报名核实"))
        else:
            core_services.update_object(actor=actor, obj=obj, note=_("志愿者报名核实"))
        return
    obj.full_clean()
    obj.save()
    audit.record(
        actor=None,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=obj,
        note=_("志愿者报名核实"),
    )


@transaction.atomic(durable=True)
def verify_signup(
    *,
    actor: Any,
    signup: VolunteerSignup,
    is_party_member: bool = False,
    party_branch: Any = None,
    seen_in_person: bool = False,
    note: str = "",
) -> VolunteerSignup:
    """Staff verify a sign-up: the identity must match a resident of the registry by the ID number's hash
    (and the name), or staff saw the identity card themselves (someone living elsewhere); the party
    membership is what staff confirm, not what the sign-up said. The sign-up becomes the registry's volunteer
    (the one with the same phone, when there is one)."""
    from fangkong.registry.models import Volunteer

    signup = VolunteerSignup.objects.select_for_update().get(pk=signup.pk)
    _may_decide(actor, signup)
    resident = registry_match(signup)
    if resident is not None and resident.name.strip() == signup.name.strip():
        identity = IdentityCheck.REGISTRY
    elif seen_in_person:
        identity, resident = IdentityCheck.IN_PERSON, None
    elif resident is not None:
        raise ValidationError(
            {"seen_in_person": [_("身份证号码对应的实有人口姓名与报名姓名不一致，请现场查验证件。")]}
        )
    else:
        raise ValidationError({"seen_in_person": [_("实有人口中没有该身份证号码，请现场查验证件后再核实。")]})
    if party_branch is not None and party_branch.subdistrict_id != signup.subdistrict_id:
        raise ValidationError({"party_branch": [_("请选择本街道的党组织。")]})
    if party_branch is not None and not is_party_member:
        raise ValidationError({"party_branch": [_("非党员不填所在党组织。")]})
    skills = "，".join(skill_words(signup.skills))
    availability = f"{signup.weekday_labels} {signup.availability}".strip()[:200]
    volunteer = Volunteer.objects.filter(
        subdistrict_id=signup.subdistrict_id, phone_hash=signup.phone_hash
    ).first()
    if volunteer is None:
        volunteer = Volunteer(
            subdistrict_id=signup.subdistrict_id,
            neighborhood_id=signup.neighborhood_id,
            name=signup.name,
            phone_enc=signup.phone_enc,
            phone_hash=signup.phone_hash,
            phone_masked=signup.phone_masked,
            skills=skills,
            availability=availability,
            is_party_member=is_party_member,
            party_branch=party_branch,
        )
        _save(actor, volunteer, created=True)
    else:
        volunteer.skills, volunteer.availability = skills, availability
        volunteer.is_party_member, volunteer.party_branch, volunteer.active = (
            is_party_member,
            party_branch,
            True,
        )
        _save(actor, volunteer, created=False)
    signup.status = SignupStatus.VERIFIED
    signup.identity = identity
    signup.resident = resident
    signup.is_party_member = is_party_member
    signup.party_branch = party_branch
    signup.volunteer = volunteer
    signup.checked_by = actor if getattr(actor, "pk", None) else None
    signup.checked_at = timezone.now()
    signup.note = note.strip()[:200]
    signup.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=signup,
        changes={"status": SignupStatus.VERIFIED, "identity": identity, "is_party_member": is_party_member},
    )
    return signup


@transaction.atomic(durable=True)
def reject_signup(*, actor: Any, signup: VolunteerSignup, note: str = "") -> VolunteerSignup:
    """Staff turn a waiting sign-up down, with a note."""
    signup = VolunteerSignup.objects.select_for_update().get(pk=signup.pk)
    _may_decide(actor, signup)
    signup.status = SignupStatus.REJECTED
    signup.checked_by = actor if getattr(actor, "pk", None) else None
    signup.checked_at = timezone.now()
    signup.note = note.strip()[:200]
    signup.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=signup, changes={"status": signup.status})
    return signup


# ---------------------------------------------------------------------------------------- duty shifts


@transaction.atomic(durable=True)
def plan_duty(
    *,
    actor: Any,
    neighborhood: Any,
    start_date: dt.date,
    days: int = 7,
    duties: Sequence[str] = (VolunteerSkill.GATE, VolunteerSkill.SCREENING, VolunteerSkill.DELIVERY),
    max_shifts_per_week: int = 3,
    time_limit: float = 10.0,
) -> Any:
    """Duty shifts for a neighborhood's verified volunteers (gate, screening, delivery) through the pairing
    app's roster: its volunteers join the duty pool (volunteer kind, their skills and weekdays), the shifts
    are the point's templates asking each duty's skill, and the pairing solver places them. The roster is a
    draft; staff publish it, edit it and approve swaps on the pairing roster pages."""
    from fangkong.pairing import services as pairing
    from fangkong.pairing.choices import PointKind
    from fangkong.pairing.models import Point, ShiftTemplate
    from fangkong.registry.models import Volunteer

    if not access.may_plan_duty(actor, neighborhood):
        raise PermissionDenied(_("您不能为该居民区排班。"))
    wanted = [d for d in dict.fromkeys(duties) if d in DUTY_SHIFTS]
    if not wanted:
        raise ValidationError({"duties": [_("请至少选择一个岗位。")]})
    if not 1 <= days <= 31:
        raise ValidationError({"days": [_("排班天数应在1–31天之间。")]})
    verified = list(
        VolunteerSignup.objects.filter(
            neighborhood=neighborhood, status=SignupStatus.VERIFIED, volunteer__active=True
        ).select_related("volunteer")
    )
    by_volunteer = {s.volunteer_id: s for s in verified}
    others = Volunteer.objects.filter(neighborhood=neighborhood, active=True).exclude(pk__in=by_volunteer)
    people = []
    for signup in verified:
        people.append(
            pairing.add_duty_person(
                actor=actor,
                subdistrict=neighborhood.subdistrict,
                volunteer=signup.volunteer,
                skills=",".join(skill_words(signup.skills)),
                available_weekdays=signup.weekdays or list(range(7)),
            )
        )
    for volunteer in others:  # registered before the sign-up page: their skills as the registry has them
        people.append(
            pairing.add_duty_person(actor=actor, subdistrict=neighborhood.subdistrict, volunteer=volunteer)
        )
    if not people:
        raise ValidationError(_("该居民区还没有已核实的志愿者，不能排班。"))
    point = Point.objects.filter(kind=PointKind.NEIGHBORHOOD, neighborhood=neighborhood).first()
    if point is None:
        point = core_services.create_object(
            actor=actor,
            obj=Point(
                subdistrict_id=neighborhood.subdistrict_id,
                kind=PointKind.NEIGHBORHOOD,
                neighborhood=neighborhood,
                name=neighborhood.name,
            ),
        )
    existing = {t.name: t for t in ShiftTemplate.objects.filter(point=point, active=True)}
    templates = []
    for duty in wanted:
        name, start, end, heads = DUTY_SHIFTS[duty]
        template = existing.get(name)
        if template is None:
            template = pairing.create_shift_template(
                actor=actor,
                point=point,
                name=name,
                start_time=start,
                end_time=end,
                head_count=heads,
                required_skill=SKILL_WORDS[duty],
            )
        templates.append(template)
    roster = pairing.create_roster(
        actor=actor,
        subdistrict=neighborhood.subdistrict,
        neighborhood=neighborhood,
        name=_("%(hood)s志愿者值班 %(d)s") % {"hood": neighborhood.name, "d": start_date.strftime("%m-%d")},
        start_date=start_date,
        end_date=start_date + dt.timedelta(days=days - 1),
        templates=templates,
        people=people,
        max_shifts_per_week=max_shifts_per_week,
        min_rest_hours=8,
    )
    roster = pairing.solve_roster(actor=actor, roster=roster, time_limit=time_limit)
    if not roster.assignments.exists():
        raise ValidationError(_("无法排班：%(why)s") % {"why": roster.explanation or roster.solver_status})
    return roster


# ------------------------------------------------------------------------------------- service hours


@transaction.atomic(durable=True)
def check_in(
    *,
    actor: Any,
    volunteer: Any,
    duty: str,
    compound: Any = None,
    assignment: Any = None,
    at: dt.datetime | None = None,
) -> ServiceSession:
    """A volunteer starts a service (签到), at their neighborhood or a compound's gate. One open session per
    volunteer (a database constraint): a second check-in answers the open one."""
    if duty not in VolunteerSkill.values:
        raise ValidationError({"duty": [_("请选择岗位。")]})
    if volunteer.neighborhood_id is None:
        raise ValidationError(_("该志愿者没有所属居民区。"))
    if compound is not None and compound.neighborhood_id != volunteer.neighborhood_id:
        raise ValidationError({"compound": [_("请选择志愿者所在居民区的小区。")]})
    if assignment is not None and getattr(assignment.person, "volunteer_id", None) != volunteer.pk:
        raise ValidationError(_("该排班不是这位志愿者的。"))
    session = ServiceSession(
        subdistrict_id=volunteer.subdistrict_id,
        neighborhood_id=volunteer.neighborhood_id,
        volunteer=volunteer,
        compound=compound,
        duty=duty,
        assignment=assignment,
        started_at=at or timezone.now(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _check(actor, session)
    open_one = ServiceSession.objects.filter(volunteer=volunteer, ended_at__isnull=True).first()
    if open_one is not None:
        return open_one
    try:
        with transaction.atomic():
            session.save(force_insert=True)
    except IntegrityError:
        return ServiceSession.objects.get(volunteer=volunteer, ended_at__isnull=True)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=session, changes=audit.snapshot(session))
    return session


@transaction.atomic(durable=True)
def check_out(*, actor: Any, session: ServiceSession, at: dt.datetime | None = None) -> ServiceSession:
    """The end of a service (签退): its minutes count towards the volunteer's service hours. A session
    already closed stays as it was (a double tap changes nothing)."""
    session = ServiceSession.objects.select_for_update().get(pk=session.pk)
    _check(actor, session)
    if session.ended_at is not None:
        return session
    at = at or timezone.now()
    if at <= session.started_at:
        raise ValidationError(_("签退须晚于签到。"))
    minutes = int((at - session.started_at).total_seconds() // 60)
    if minutes > MAX_SESSION_MINUTES:
        raise ValidationError(_("一次服务不超过24小时；请联系居委会更正签到时间。"))
    session.ended_at = at
    session.minutes = minutes
    session.save(update_fields=["ended_at", "minutes", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=session,
        changes={"ended_at": at.isoformat(), "minutes": minutes},
    )
    return session


def hours_by_volunteer(volunteers: Any, *, since: dt.date | None = None, until: dt.date | None = None) -> Any:
    """The volunteers with ``minutes`` (closed sessions in the period) and ``sessions``, in one query."""
    cond = Q(care_sessions__ended_at__isnull=False)
    if since is not None:
        cond &= Q(care_sessions__started_at__date__gte=since)
    if until is not None:
        cond &= Q(care_sessions__started_at__date__lte=until)
    return volunteers.annotate(
        minutes=Sum("care_sessions__minutes", filter=cond), sessions=Count("care_sessions", filter=cond)
    )

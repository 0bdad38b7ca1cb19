"""Care register API (民生保障): the people in care, who is missing this week's delivery, and the visit
recorded from a phone. Scoped exactly like the web (404 outside scope)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.responses import Status

from fangkong.care import access, selectors, services
from fangkong.care import donations as donation_ledger
from fangkong.care import materials as material_counter
from fangkong.care.models import CareRecord, Donation, DonationItem, MaterialCount
from fangkong.care.rules import week_of
from fangkong.core import ratelimit
from fangkong.core.errors import api_detail, api_text
from fangkong.core.exceptions import ScopeError

router = Router()


class CareRecordOut(Schema):
    id: int
    resident_id: int
    name: str
    neighborhood_id: int
    status: str
    reason: str
    lives_alone: bool
    mobility: str
    needs: list[str]
    weekday: int | None
    items: str
    volunteer_id: int | None
    team: str
    supplier_id: int | None
    emergency_name: str
    emergency_phone_masked: str
    since: dt.date


class CareDeliveryIn(Schema):
    outcome: str
    welfare: str = "well"
    note: str = ""
    phone_confirmed: bool = False
    submission_id: str = ""


class CareDeliveryOut(Schema):
    id: int
    record_id: int
    day: dt.date
    outcome: str
    welfare: str
    contactless: bool
    phone_confirmed: bool
    created: bool


class CareErrorOut(Schema):
    detail: Any


def _out(r: CareRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "resident_id": r.resident_id,
        "name": r.resident.name,
        "neighborhood_id": r.neighborhood_id,
        "status": r.status,
        "reason": r.reason,
        "lives_alone": r.lives_alone,
        "mobility": r.mobility,
        "needs": list(r.needs),
        "weekday": r.weekday,
        "items": r.items,
        "volunteer_id": r.volunteer_id,
        "team": r.team,
        "supplier_id": r.supplier_id,
        "emergency_name": r.emergency_name,
        "emergency_phone_masked": r.emergency_phone_masked,
        "since": r.since,
    }


def _record(request: HttpRequest, record_id: int) -> CareRecord:
    user = access.care_user(request.user)
    return get_object_or_404(CareRecord.objects.visible_to(user).select_related("resident"), pk=record_id)


@router.get("/records", response=list[CareRecordOut])
def list_records(request: HttpRequest, status: str = "active", offset: int = 0, limit: int = 100) -> Any:
    user = access.care_user(request.user)
    qs = selectors.register(user, week=week_of(timezone.localdate()), status=status)
    offset, limit = max(offset, 0), max(1, min(limit, 500))
    return [_out(r) for r in qs[offset : offset + limit]]


@router.get("/records/{record_id}", response=CareRecordOut)
def get_record(request: HttpRequest, record_id: int) -> Any:
    return _out(_record(request, record_id))


@router.get("/missed", response=list[CareRecordOut])
def list_missed(request: HttpRequest, offset: int = 0, limit: int = 100) -> Any:
    user = access.care_user(request.user)
    offset, limit = max(offset, 0), max(1, min(limit, 500))
    return [_out(r) for r in selectors.missed(user, today=timezone.localdate())[offset : offset + limit]]


@router.post(
    "/records/{record_id}/deliveries",
    response={200: CareDeliveryOut, 201: CareDeliveryOut, 400: CareErrorOut},
    summary="Record a visit: delivered, not home or refused, with the welfare check (idempotent per "
    "submission_id)",
)
def create_delivery(request: HttpRequest, record_id: int, payload: CareDeliveryIn) -> Any:
    record = _record(request, record_id)
    if not access.may_record_delivery(request.user, record):
        raise Http404
    try:
        result = services.record_delivery(
            actor=request.user,
            record=record,
            outcome=payload.outcome,
            welfare=payload.welfare,
            note=payload.note,
            phone_confirmed=payload.phone_confirmed,
            submission_id=payload.submission_id,
        )
    except ValidationError as exc:
        return Status(400, {"detail": api_detail(exc)})
    except ScopeError:
        raise Http404
    d = result.delivery
    body = {
        "id": d.pk,
        "record_id": d.record_id,
        "day": d.day,
        "outcome": d.outcome,
        "welfare": d.welfare,
        "contactless": d.contactless,
        "phone_confirmed": d.phone_confirmed,
        "created": result.created,
    }
    return Status(201 if result.created else 200, body)


# ---------------------------------------------------------------- donations


class DonationLineIn(Schema):
    name: str
    unit: str
    quantity: int
    is_masks: bool = False


class DonationIn(Schema):
    neighborhood_id: int | None = None
    donor_kind: str
    donor_name: str = ""
    donor_organization_id: int | None = None
    public_thanks: bool = False
    purpose: str = ""
    lines: list[DonationLineIn]


class DonationLineOut(Schema):
    item_id: int
    name: str
    unit: str
    quantity: int


class DonationOut(Schema):
    id: int
    number: str
    neighborhood_id: int | None
    donor_kind: str
    donor_name: str
    public_thanks: bool
    purpose: str
    received_on: dt.date
    lines: list[DonationLineOut]


class DonationItemOut(Schema):
    id: int
    neighborhood_id: int | None
    name: str
    unit: str
    is_masks: bool
    balance: int
    received: int
    given: int
    difference: int


class CareDistributionIn(Schema):
    quantity: int
    target_kind: str
    target_name: str = ""
    target_compound_id: int | None = None


class CareDistributionOut(Schema):
    id: int
    item_id: int
    quantity: int
    target_kind: str
    target_name: str
    day: dt.date


def _donation_out(d: Donation) -> dict[str, Any]:
    return {
        "id": d.pk,
        "number": d.number,
        "neighborhood_id": d.neighborhood_id,
        "donor_kind": d.donor_kind,
        "donor_name": d.donor_name,
        "public_thanks": d.public_thanks,
        "purpose": d.purpose,
        "received_on": d.received_on,
        "lines": [
            {"item_id": ln.item_id, "name": ln.item.name, "unit": ln.item.unit, "quantity": ln.quantity}
            for ln in d.lines.all()
        ],
    }


@router.get("/donations", response=list[DonationOut])
def list_donations(request: HttpRequest, offset: int = 0, limit: int = 100) -> Any:
    user = access.care_user(request.user)
    offset, limit = max(offset, 0), max(1, min(limit, 500))
    qs = Donation.objects.visible_to(user).prefetch_related("lines__item").order_by("-received_on", "-pk")
    return [_donation_out(d) for d in qs[offset : offset + limit]]


@router.post("/donations", response={201: DonationOut, 400: CareErrorOut})
def create_donation(request: HttpRequest, payload: DonationIn) -> Any:
    from fangkong.registry.models import Neighborhood, Organization

    user = access.care_user(request.user)
    if not access.may_record_donation(user):
        raise Http404
    hood = None
    if payload.neighborhood_id is not None:
        hood = get_object_or_404(Neighborhood.objects.visible_to(user), pk=payload.neighborhood_id)
    org = None
    if payload.donor_organization_id is not None:
        org = get_object_or_404(Organization.objects.visible_to(user), pk=payload.donor_organization_id)
    sub_id = hood.subdistrict_id if hood is not None else user.subdistrict_id
    if sub_id is None:
        raise Http404
    try:
        donation = donation_ledger.record_donation(
            actor=user,
            subdistrict_id=sub_id,
            neighborhood=hood,
            donor_kind=payload.donor_kind,
            donor_name=payload.donor_name,
            donor_organization=org,
            public_thanks=payload.public_thanks,
            purpose=payload.purpose,
            lines=[
                donation_ledger.Line(name=ln.name, unit=ln.unit, quantity=ln.quantity, is_masks=ln.is_masks)
                for ln in payload.lines
            ],
        )
    except ValidationError as exc:
        return Status(400, {"detail": api_detail(exc)})
    except ScopeError:
        raise Http404
    return Status(201, _donation_out(donation))


@router.get("/donation-items", response=list[DonationItemOut])
def list_donation_items(request: HttpRequest) -> Any:
    user = access.care_user(request.user)
    items = DonationItem.objects.visible_to(user).order_by("name", "unit", "pk")[:1000]
    return [
        {
            "id": r["item"].pk,
            "neighborhood_id": r["item"].neighborhood_id,
            "name": r["item"].name,
            "unit": r["item"].unit,
            "is_masks": r["item"].is_masks,
            "balance": r["balance"],
            "received": r["received"],
            "given": r["given"],
            "difference": r["difference"],
        }
        for r in donation_ledger.reconcile(items)
    ]


@router.post(
    "/donation-items/{item_id}/distributions", response={201: CareDistributionOut, 400: CareErrorOut}
)
def create_distribution(request: HttpRequest, item_id: int, payload: CareDistributionIn) -> Any:
    from fangkong.registry.models import Compound

    user = access.care_user(request.user)
    item = get_object_or_404(DonationItem.objects.visible_to(user), pk=item_id)
    if not access.may_distribute(user, item):
        raise Http404
    compound = None
    if payload.target_compound_id is not None:
        compound = get_object_or_404(Compound.objects.visible_to(user), pk=payload.target_compound_id)
    try:
        row = donation_ledger.distribute(
            actor=user,
            item=item,
            quantity=payload.quantity,
            target_kind=payload.target_kind,
            target_name=payload.target_name,
            target_compound=compound,
        )
    except ValidationError as exc:
        return Status(400, {"detail": api_detail(exc)})
    except ScopeError:
        raise Http404
    return Status(
        201,
        {
            "id": row.pk,
            "item_id": row.item_id,
            "quantity": row.quantity,
            "target_kind": row.target_kind,
            "target_name": row.target_name,
            "day": row.day,
        },
    )


# ---------------------------------------------------------------- materials


class MaterialIn(Schema):
    kind: str
    neighborhood_id: int | None = None
    day: dt.date | None = None
    handed_out: int = 0
    returned: int = 0
    posted: int = 0
    by_name: str = ""


class MaterialOut(Schema):
    id: int
    kind: str
    neighborhood_id: int | None
    day: dt.date
    handed_out: int
    returned: int
    posted: int


class MaterialKindTotal(Schema):
    kind: str
    handed_out: int
    returned: int
    posted: int


@router.get("/materials", response=list[MaterialKindTotal])
def material_totals(request: HttpRequest) -> Any:
    user = access.care_user(request.user)
    data = material_counter.summary(MaterialCount.objects.visible_to(user))
    return [
        {
            "kind": r["kind"],
            "handed_out": r["out"] or 0,
            "returned": r["back"] or 0,
            "posted": r["posted"] or 0,
        }
        for r in data["by_kind"]
    ]


@router.post("/materials", response={201: MaterialOut, 400: CareErrorOut})
def create_material_count(request: HttpRequest, payload: MaterialIn) -> Any:
    from fangkong.registry.models import Neighborhood

    user = access.care_user(request.user)
    if not access.may_record_materials(user):
        raise Http404
    hood = None
    if payload.neighborhood_id is not None:
        hood = get_object_or_404(Neighborhood.objects.visible_to(user), pk=payload.neighborhood_id)
    sub_id = hood.subdistrict_id if hood is not None else user.subdistrict_id
    if sub_id is None:
        raise Http404
    try:
        row = material_counter.record_materials(
            actor=user,
            subdistrict_id=sub_id,
            kind=payload.kind,
            neighborhood=hood,
            day=payload.day,
            handed_out=payload.handed_out,
            returned=payload.returned,
            posted=payload.posted,
            by_name=payload.by_name,
        )
    except ValidationError as exc:
        return Status(400, {"detail": api_detail(exc)})
    except ScopeError:
        return Status(400, {"detail": {"neighborhood_id": [_("请选择您负责的居民区。")]}})
    return Status(
        201,
        {
            "id": row.pk,
            "kind": row.kind,
            "neighborhood_id": row.neighborhood_id,
            "day": row.day,
            "handed_out": row.handed_out,
            "returned": row.returned,
            "posted": row.posted,
        },
    )


# ------------------------------------------------------------------------------------------ volunteers


class SignupOut(Schema):
    id: int
    neighborhood_id: int
    compound_id: int | None
    name: str
    phone_masked: str
    skills: list[str]
    weekdays: list[int]
    availability: str
    says_party_member: bool
    status: str
    identity: str
    is_party_member: bool
    volunteer_id: int | None


class SignupVerifyIn(Schema):
    is_party_member: bool = False
    party_branch_id: int | None = None
    seen_in_person: bool = False
    note: str = ""


class VolunteerHoursOut(Schema):
    volunteer_id: int
    name: str
    neighborhood_id: int | None
    is_party_member: bool
    sessions: int
    hours: float


def _signup_out(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "neighborhood_id": s.neighborhood_id,
        "compound_id": s.compound_id,
        "name": s.name,
        "phone_masked": s.phone_masked,
        "skills": list(s.skills),
        "weekdays": list(s.weekdays),
        "availability": s.availability,
        "says_party_member": s.says_party_member,
        "status": s.status,
        "identity": s.identity,
        "is_party_member": s.is_party_member,
        "volunteer_id": s.volunteer_id,
    }


@router.get("/volunteer-signups", response=list[SignupOut])
def list_signups(request: HttpRequest, status: str = "pending", offset: int = 0, limit: int = 100) -> Any:
    from fangkong.care.models import VolunteerSignup

    user = access.care_user(request.user)
    qs = VolunteerSignup.objects.visible_to(user).order_by("-created_at", "-pk")
    if status:
        qs = qs.filter(status=status)
    offset, limit = max(offset, 0), max(1, min(limit, 500))
    return [_signup_out(s) for s in qs[offset : offset + limit]]


@router.post(
    "/volunteer-signups/{signup_id}/verify",
    response={200: SignupOut, 400: CareErrorOut},
    summary="Verify a volunteer's sign-up: identity against the registry by ID hash (or seen in person), "
    "party membership",
)
def verify_signup(request: HttpRequest, signup_id: int, payload: SignupVerifyIn) -> Any:
    from django.core.exceptions import PermissionDenied

    from fangkong.care import volunteers
    from fangkong.care.models import VolunteerSignup
    from fangkong.registry.models import PartyBranch

    user = access.care_user(request.user)
    signup = get_object_or_404(VolunteerSignup.objects.visible_to(user), pk=signup_id)
    if not access.may_verify_signup(user, signup):
        raise Http404
    branch = None
    if payload.party_branch_id is not None:
        branch = get_object_or_404(PartyBranch.objects.visible_to(user), pk=payload.party_branch_id)
    try:
        done = volunteers.verify_signup(
            actor=user,
            signup=signup,
            is_party_member=payload.is_party_member,
            party_branch=branch,
            seen_in_person=payload.seen_in_person,
            note=payload.note,
        )
    except ValidationError as exc:
        return Status(400, {"detail": api_detail(exc)})
    except (ScopeError, PermissionDenied):
        raise Http404
    return Status(200, _signup_out(done))


@router.get("/volunteer-hours", response=list[VolunteerHoursOut])
def list_volunteer_hours(
    request: HttpRequest,
    since: dt.date | None = None,
    until: dt.date | None = None,
    offset: int = 0,
    limit: int = 100,
) -> Any:
    from fangkong.care import volunteers
    from fangkong.registry.models import Volunteer

    user = access.care_user(request.user)
    qs = volunteers.hours_by_volunteer(Volunteer.objects.visible_to(user), since=since, until=until).order_by(
        "name", "pk"
    )
    offset, limit = max(offset, 0), max(1, min(limit, 500))
    return [
        {
            "volunteer_id": v.pk,
            "name": v.name,
            "neighborhood_id": v.neighborhood_id,
            "is_party_member": v.is_party_member,
            "sessions": v.sessions or 0,
            "hours": round((v.minutes or 0) / 60, 2),
        }
        for v in qs[offset : offset + limit]
    ]


# -------------------------------------------------------------------------------- online briefings (微党课)


class BriefingBranchOut(Schema):
    branch_id: int
    branch: str
    expected: int
    actual: int


class BriefingOut(Schema):
    id: int
    title: str
    organisers: str
    day: dt.date
    neighborhood_id: int | None
    planned_minutes: int
    actual_minutes: int | None
    speakers: list[str]
    topics: list[str]


class BriefingDetailOut(BriefingOut):
    expected: int
    actual: int
    branches: list[BriefingBranchOut]
    absent_branch_ids: list[int]
    questions: int
    unanswered: int


class BriefingQuestionIn(Schema):
    text: str
    asked_by: str = ""


class BriefingQuestionOut(Schema):
    id: int
    text: str
    asked_by: str
    answered: bool


def _briefing_out(b: Any) -> dict[str, Any]:
    return {
        "id": b.pk,
        "title": b.title,
        "organisers": b.organisers,
        "day": b.day,
        "neighborhood_id": b.neighborhood_id,
        "planned_minutes": b.planned_minutes,
        "actual_minutes": b.actual_minutes,
        "speakers": list(b.speakers),
        "topics": list(b.topics),
    }


def _briefing(request: HttpRequest, briefing_id: int) -> Any:
    from fangkong.care.models import Briefing

    user = access.care_user(request.user)
    return get_object_or_404(Briefing.objects.visible_to(user), pk=briefing_id)


@router.get("/briefings", response=list[BriefingOut])
def list_briefings(request: HttpRequest, offset: int = 0, limit: int = 100) -> Any:
    from fangkong.care.models import Briefing

    user = access.care_user(request.user)
    offset, limit = max(offset, 0), max(1, min(limit, 500))
    qs = Briefing.objects.visible_to(user).order_by("-day", "-pk")
    return [_briefing_out(b) for b in qs[offset : offset + limit]]


@router.get("/briefings/{briefing_id}", response=BriefingDetailOut)
def get_briefing(request: HttpRequest, briefing_id: int) -> Any:
    from fangkong.care import briefings

    b = _briefing(request, briefing_id)
    summary = briefings.summary(b)
    answered = list(b.questions.values_list("answered", flat=True))
    return {
        **_briefing_out(b),
        "expected": summary.expected,
        "actual": summary.actual,
        "branches": [
            {"branch_id": r.branch.pk, "branch": r.branch.name, "expected": r.expected, "actual": r.actual}
            for r in summary.rows
        ],
        "absent_branch_ids": [r.branch.pk for r in summary.absent],
        "questions": len(answered),
        "unanswered": answered.count(False),
    }


@router.post("/briefings/{briefing_id}/questions", response={201: BriefingQuestionOut, 400: CareErrorOut})
def create_briefing_question(request: HttpRequest, briefing_id: int, payload: BriefingQuestionIn) -> Any:
    from django.core.exceptions import PermissionDenied

    from fangkong.care import briefings

    b = _briefing(request, briefing_id)
    if not access.may_edit_briefing(request.user, b):
        raise Http404
    try:
        q = briefings.record_question(
            actor=request.user, briefing=b, text=payload.text, asked_by=payload.asked_by
        )
    except ValidationError as exc:
        return Status(400, {"detail": api_detail(exc)})
    except PermissionDenied:
        raise Http404
    return Status(201, {"id": q.pk, "text": q.text, "asked_by": q.asked_by, "answered": q.answered})


# ------------------------------------------------------------------------------ 两新 organisations


class DeedKindOut(Schema):
    kind: str
    label: str
    deeds: int
    members: int
    quantity: int


class LiangxinOrgOut(Schema):
    id: int
    organization_id: int
    name: str
    kind: str
    party_members: int
    rallied: int


class LiangxinOut(Schema):
    organizations: int
    party_members: int
    rallied: int
    kinds: list[DeedKindOut]
    items: list[LiangxinOrgOut]


@router.get(
    "/liangxin", response=LiangxinOut, summary="两新 organisations: party members, members rallied, deeds"
)
def get_liangxin(request: HttpRequest) -> Any:
    from fangkong.care import liangxin
    from fangkong.care.models import LiangxinDeed, LiangxinOrganization

    user = access.care_user(request.user)
    marked = LiangxinOrganization.objects.visible_to(user)
    figures = liangxin.figures(marked, LiangxinDeed.objects.visible_to(user))
    rows = liangxin.with_rallied(marked.select_related("organization")).order_by("organization__name", "pk")[
        :500
    ]
    return {
        **figures,
        "kinds": [{**k, "label": str(k["label"])} for k in figures["kinds"]],
        "items": [
            {
                "id": o.pk,
                "organization_id": o.organization_id,
                "name": o.organization.name,
                "kind": o.kind,
                "party_members": o.party_members,
                "rallied": o.rallied,
            }
            for o in rows
        ],
    }


# ------------------------------------------------------------------------------------------ public


class PublicSignupIn(Schema):
    neighborhood_id: int
    compound_id: int | None = None
    name: str
    phone: str
    id_number: str
    skills: list[str]
    weekdays: list[int]
    availability: str = ""
    says_party_member: bool = False
    submission_id: str


class PublicCheckinIn(Schema):
    name: str
    branch_id: int


class PublicOkOut(Schema):
    ok: bool


@router.post(
    "/public/volunteer-signups",
    auth=None,
    response={202: PublicOkOut},
    summary="A volunteer's sign-up from a phone (no account): idempotent per submission_id and per phone "
    "waiting; the answer is the same whatever was there before",
)
@decorate_view(ratelimit.limit("care.volunteer", key=ratelimit.field("phone")))
def public_volunteer_signup(request: HttpRequest, payload: PublicSignupIn) -> Any:
    from fangkong.care import volunteers
    from fangkong.registry.models import Compound, Neighborhood

    hood = get_object_or_404(Neighborhood, pk=payload.neighborhood_id)
    compound = None
    if payload.compound_id is not None:
        compound = Compound.objects.filter(pk=payload.compound_id, neighborhood=hood).first()
        if compound is None:
            raise HttpError(422, _("请选择本居民区的小区。"))
    if not payload.submission_id.strip():
        raise HttpError(422, _("缺少提交编号。"))
    try:
        volunteers.sign_up(
            data=volunteers.SignupInput(
                neighborhood=hood,
                compound=compound,
                name=payload.name,
                phone=payload.phone,
                id_number=payload.id_number,
                skills=payload.skills,
                weekdays=payload.weekdays,
                availability=payload.availability,
                says_party_member=payload.says_party_member,
            ),
            public_key=f"api:{hood.subdistrict_id}:{payload.submission_id.strip()[:60]}",
        )
    except ValidationError as exc:
        raise HttpError(422, api_text(exc, keyed=True))
    return Status(202, {"ok": True})


@router.post(
    "/public/briefings/{code}/check-in",
    auth=None,
    response={200: PublicOkOut},
    summary="A member checks in to an online briefing by its link (name and an invited branch); a repeat "
    "counts once",
)
@decorate_view(ratelimit.limit("care.briefing", key=ratelimit.field("name")))
def public_briefing_checkin(request: HttpRequest, code: str, payload: PublicCheckinIn) -> Any:
    from fangkong.care import briefings
    from fangkong.care.models import Briefing

    briefing = get_object_or_404(Briefing, code=code[:32])
    try:
        briefings.check_in(briefing=briefing, name=payload.name, branch_id=payload.branch_id)
    except ValidationError as exc:
        raise HttpError(422, api_text(exc, keyed=True))
    return Status(200, {"ok": True})

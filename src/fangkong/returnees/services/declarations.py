"""Declarations (staff and public), their checks, duplicates across neighborhoods, and the amendments that a
public repeat of a declared trip proposes for staff to accept or reject."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, crypto, personal
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.services import check_write_scope
from fangkong.core.validators import (
    check_document,
    validate_mobile,
    validate_name,
    validate_temperature,
    validate_text,
)
from fangkong.returnees import regions
from fangkong.returnees.choices import (
    IsolationStatus,
    RiskAction,
    Source,
)
from fangkong.returnees.models import (
    Declaration,
    DeclarationAmendment,
    Isolation,
    Referral,
)
from fangkong.returnees.services.classification import _apply, classify_declaration
from fangkong.returnees.services.isolation import new_token, start_isolation
from fangkong.returnees.services.reports import _alert_fever
from fangkong.returnees.services.times import _require_staff, fever_line, local_now

# ---------------------------------------------------------------- declarations


@dataclass
class DeclarationInput:
    building_id: int
    room: str
    name: str
    id_number: str
    phone: str
    origin_code: str
    transport: str
    departure_date: dt.date
    arrival_date: dt.date
    doc_type: str = "resident_id"
    transport_number: str = ""
    key_area: bool = False
    exposure: bool = False
    exposure_note: str = ""
    symptoms: bool = False
    symptoms_note: str = ""
    temperature: Any = None
    employer_id: int | None = None
    employer_name: str = ""
    household_members: list[dict[str, str]] = field(default_factory=list)
    submission_id: str = ""


@dataclass
class DeclarationResult:
    declaration: Declaration
    created: bool
    isolation: Isolation | None = None
    token: str | None = None  # the personal report link's secret, shown once
    warnings: list[str] = field(default_factory=list)
    # A public repeat of a declared trip: kept for staff review (None when it proposed no change).
    amendment: DeclarationAmendment | None = None
    received_for_review: bool = False


def clean_declaration(data: DeclarationInput, *, today: dt.date) -> dict[str, Any]:
    from fangkong.registry.models import Building, Organization
    from fangkong.returnees.choices import Transport

    errors: dict[str, Any] = {}
    out: dict[str, Any] = {}
    try:
        out["name"] = validate_name(data.name)
    except ValidationError as exc:
        errors["name"] = exc.messages[0]
        out["name"] = ""
    try:
        check = check_document(data.doc_type, data.id_number)
        out["id_number"] = check.value
        out["warnings"] = check.warnings
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    try:
        out["phone"] = validate_mobile(data.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    try:
        region = regions.lookup(data.origin_code)
        out["origin_code"], out["origin_name"] = region.code, region.full_name
    except ValidationError as exc:
        errors["origin_code"] = exc.messages[0]
    if data.transport not in Transport.values:
        errors["transport"] = _("请选择交通方式。")
    number = (data.transport_number or "").strip().upper().replace(" ", "")
    if data.transport != "self_drive" and not number:
        errors["transport_number"] = _("请填写车次、航班号或车牌号。")
    out["transport_number"] = number[:20]
    if data.arrival_date and data.arrival_date > today:
        errors["arrival_date"] = _("抵沪日期不能在未来。")
    if data.departure_date and data.arrival_date and data.arrival_date < data.departure_date:
        errors["arrival_date"] = _("抵沪日期不能早于出发日期。")
    if data.arrival_date and (today - data.arrival_date).days > 366:
        errors["arrival_date"] = _("抵沪日期过早，请核对。")
    if data.temperature not in (None, ""):
        try:
            out["temperature"] = Decimal(str(validate_temperature(data.temperature)))
        except ValidationError as exc:
            errors["temperature"] = exc.messages[0]
    else:
        out["temperature"] = None
    room = (data.room or "").strip()
    if not room:
        errors["room"] = _("请填写室号。")
    out["room"] = room[:20]
    building = Building.objects.filter(pk=data.building_id).first() if data.building_id else None
    if building is None:
        errors["building_id"] = _("请选择所在楼栋。")
    out["building"] = building
    employer = None
    if data.employer_id:
        employer = Organization.objects.filter(pk=data.employer_id).first()
        if employer is None or (building and employer.subdistrict_id != building.subdistrict_id):
            errors["employer_id"] = _("工作单位不在本街道登记的单位中。")
    out["employer"] = employer
    members = []
    for member in data.household_members or []:
        mname = str(member.get("name", "")).strip()[:50]
        if mname:
            members.append({"name": mname, "relation": str(member.get("relation", "")).strip()[:20]})
    out["household_members"] = members
    texts = (
        ("transport_number", data.transport_number, 20, _("车次/航班/车牌"), False),
        ("room", data.room, 20, _("室号"), False),
        ("exposure_note", data.exposure_note, 200, _("接触史说明"), True),
        ("symptoms_note", data.symptoms_note, 200, _("症状说明"), True),
        ("employer_name", data.employer_name, 120, _("工作单位名称"), False),
    )
    for field_name, raw, limit, label, multiline in texts:
        try:
            validate_text(raw, max_length=limit, label=str(label), multiline=multiline)
        except ValidationError as exc:
            errors.setdefault(field_name, exc.messages[0])
    for member in data.household_members or []:
        try:
            validate_name(member.get("name", ""), required=False)
            validate_text(member.get("relation", ""), max_length=20, label=str(_("与本人关系")))
        except ValidationError as exc:
            errors.setdefault("household_members", exc.messages[0])
    if errors:
        raise ValidationError(errors)
    return out


def _merge_members(old: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
    names = {m["name"] for m in old}
    return old + [m for m in new if m["name"] not in names]


@transaction.atomic
def declare_return(
    *, actor: Any, data: DeclarationInput, source: str = Source.STAFF, now: dt.datetime | None = None
) -> DeclarationResult:
    """Record a declaration, classify it, and start home isolation or open a referral when the rule that fired
    says so.

    The same person's same trip (ID, arrival date, trip number) is one declaration. A repeat from staff (or
    an import) within their scope is merged into it. A repeat through the public form never writes into it:
    the changes it proposes are kept as a pending amendment for the neighborhood's staff (see
    ``submit_amendment``), and its answer tells nothing about the existing record."""
    moment = now or timezone.now()
    today = local_now(moment).date()
    clean = clean_declaration(data, today=today)
    building = clean["building"]
    id_hash = crypto.lookup_hash("id_number", clean["id_number"])
    lookup = dict(
        subdistrict_id=building.subdistrict_id,
        id_number_hash=id_hash,
        arrival_date=data.arrival_date,
        transport_number=clean["transport_number"],
    )
    existing, primary = _same_trip(actor, lookup)
    if existing is None:
        decl = Declaration(
            subdistrict_id=building.subdistrict_id,
            neighborhood_id=building.neighborhood_id,
            building=building,
            room=clean["room"],
            name=clean["name"],
            doc_type=data.doc_type or "resident_id",
            origin_code=clean["origin_code"],
            origin_name=clean["origin_name"],
            transport=data.transport,
            transport_number=clean["transport_number"],
            departure_date=data.departure_date,
            arrival_date=data.arrival_date,
            key_area=data.key_area,
            exposure=data.exposure,
            exposure_note=data.exposure_note[:200],
            symptoms=data.symptoms,
            symptoms_note=data.symptoms_note[:200],
            temperature=clean["temperature"],
            employer=clean["employer"],
            employer_name=(clean["employer"].name if clean["employer"] else data.employer_name)[:120],
            household_members=clean["household_members"],
            source=source,
            declared_at=moment,
            submission_id=(data.submission_id or "")[:40],
            duplicate_of=primary,
        )
        if actor is not None:
            check_write_scope(actor, decl)
        for column, value in personal.columns(
            "id_number", clean["id_number"], kind=personal.ID_NUMBER
        ).items():
            setattr(decl, column, value)
        for column, value in personal.columns("phone", clean["phone"], kind=personal.PHONE).items():
            setattr(decl, column, value)
        _apply(decl, classify_declaration(decl, on=today))
        try:
            with transaction.atomic():
                decl.save(force_insert=True)
        except IntegrityError:
            existing, _primary = _same_trip(actor, lookup)
            if existing is None:
                raise
        else:
            audit.record(actor=actor, action=AuditAction.CREATE, obj=decl, changes=audit.snapshot(decl))
            if primary is not None:
                # Declared in another neighborhood already: answered as a new declaration (nothing tells the
                # user the ID is registered elsewhere), and kept for HQ to resolve.
                audit.record(
                    actor=actor,
                    action=AuditAction.ACTION,
                    obj=decl,
                    changes={"duplicate_of": primary.pk},
                    note=_("同一人同一行程已在另一居民区申报，待总指挥部核对"),
                )
            result = DeclarationResult(decl, True, warnings=clean.get("warnings", []))
            _act_on_classification(actor=actor, result=result, today=today)
            return result
    if source == Source.PUBLIC and actor is None:
        amendment = submit_amendment(declaration=existing, clean=clean, data=data, today=today, moment=moment)
        return DeclarationResult(
            existing, False, amendment=amendment, received_for_review=True, warnings=clean.get("warnings", [])
        )
    # Merge into the existing declaration of the same trip.
    decl = existing
    if actor is not None:
        check_write_scope(actor, decl)
    before = audit.snapshot(decl)
    decl.name = clean["name"] or decl.name
    decl.building = building
    decl.neighborhood_id = building.neighborhood_id
    decl.room = clean["room"]
    decl.origin_code, decl.origin_name = clean["origin_code"], clean["origin_name"]
    decl.transport = data.transport
    decl.departure_date = min(decl.departure_date, data.departure_date)
    decl.key_area = decl.key_area or data.key_area
    decl.exposure = decl.exposure or data.exposure
    decl.symptoms = decl.symptoms or data.symptoms
    decl.exposure_note = (data.exposure_note or decl.exposure_note)[:200]
    decl.symptoms_note = (data.symptoms_note or decl.symptoms_note)[:200]
    if clean["temperature"] is not None:
        decl.temperature = max(decl.temperature or clean["temperature"], clean["temperature"])
    if clean["employer"] is not None:
        decl.employer = clean["employer"]
        decl.employer_name = clean["employer"].name
    elif data.employer_name:
        decl.employer_name = data.employer_name[:120]
    decl.household_members = _merge_members(list(decl.household_members or []), clean["household_members"])
    for column, value in personal.columns("phone", clean["phone"], kind=personal.PHONE).items():
        setattr(decl, column, value)
    decl.merge_count += 1
    decl.version += 1
    _apply(decl, classify_declaration(decl, on=today))
    decl.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=decl,
        changes=audit.diff(before, audit.snapshot(decl)),
        note=_("合并同一行程的重复申报"),
    )
    result = DeclarationResult(decl, False, warnings=clean.get("warnings", []))
    _act_on_classification(actor=actor, result=result, today=today)
    if (
        actor is not None
        and result.token is None
        and result.isolation is not None
        and data.submission_id
        and data.submission_id[:40] == decl.submission_id
    ):
        # Staff sent the same form twice (double submit): show the personal link again, as a fresh one.
        token, token_hash = new_token()
        Isolation.objects.filter(pk=result.isolation.pk).update(report_token_hash=token_hash)
        result.token = token
    return result


def _same_trip(actor: Any, lookup: dict[str, Any]) -> tuple[Declaration | None, Declaration | None]:
    """The declaration of the same trip to merge into, and the trip's first declaration (locked).

    The public form and the system use the first declaration. Staff use the one within their write scope;
    when the only ones are outside it, they get none to merge into (and must not learn of them): the new
    declaration is recorded as a duplicate of the first one, for HQ to resolve."""
    rows = list(Declaration.objects.select_for_update().filter(**lookup).order_by("pk"))
    primary = next((d for d in rows if d.duplicate_of_id is None), None)
    if actor is None:
        return primary, primary
    for decl in rows:
        try:
            check_write_scope(actor, decl)
        except ScopeError:
            continue
        return decl, primary
    return None, primary


@transaction.atomic(durable=True)
def resolve_duplicate(*, actor: Any, declaration: Declaration, note: str = "") -> Declaration:
    """HQ records that a declaration kept as a possible duplicate has been checked (for example, the person
    moved into this neighborhood); audited. Both declarations stay as they are."""
    from fangkong.returnees.access import may_resolve_duplicate

    _require_staff(actor)
    decl = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if not may_resolve_duplicate(actor, decl):
        raise ScopeError("resolve-duplicate")
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("请填写核对说明。"))
    decl.duplicate_resolved_at = timezone.now()
    decl.duplicate_resolved_by = actor
    decl.duplicate_note = note[:200]
    decl.version += 1
    decl.save(
        update_fields=[
            "duplicate_resolved_at",
            "duplicate_resolved_by",
            "duplicate_note",
            "version",
            "updated_at",
        ]
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=decl,
        changes={"duplicate_of": decl.duplicate_of_id, "duplicate_note": decl.duplicate_note},
        note=_("总指挥部核对重复申报"),
    )
    return decl


# ---------------------------------------------------------------- amendments (public repeats)

# Declaration fields a public repeat may propose to change, in the order staff review them.
AMENDABLE_FIELDS = (
    "name",
    "building_id",
    "room",
    "phone",
    "origin_code",
    "transport",
    "departure_date",
    "key_area",
    "exposure",
    "exposure_note",
    "symptoms",
    "symptoms_note",
    "temperature",
    "employer_name",
    "household_members",
)


def _proposal(decl: Declaration, clean: dict[str, Any], data: DeclarationInput) -> dict[str, Any]:
    """The JSON-safe values of the fields a repeat would change (the phone number is handled apart)."""
    out: dict[str, Any] = {}

    def offer(name: str, new: Any, old: Any) -> None:
        if new != old:
            out[name] = new

    offer("name", clean["name"], decl.name)
    offer("building_id", clean["building"].pk, decl.building_id)
    offer("room", clean["room"], decl.room)
    offer("origin_code", clean["origin_code"], decl.origin_code)
    offer("transport", data.transport, decl.transport)
    offer("departure_date", data.departure_date.isoformat(), decl.departure_date.isoformat())
    offer("key_area", bool(data.key_area), decl.key_area)
    offer("exposure", bool(data.exposure), decl.exposure)
    offer("symptoms", bool(data.symptoms), decl.symptoms)
    for name in ("exposure_note", "symptoms_note"):
        value = (getattr(data, name) or "").strip()[:200]
        if value:
            offer(name, value, getattr(decl, name))
    if clean["temperature"] is not None:
        old = str(decl.temperature) if decl.temperature is not None else None
        offer("temperature", str(clean["temperature"]), old)
    employer = (clean["employer"].name if clean["employer"] else (data.employer_name or "").strip())[:120]
    if employer:
        offer("employer_name", employer, decl.employer_name)
    members = _merge_members(list(decl.household_members or []), clean["household_members"])
    offer("household_members", members, list(decl.household_members or []))
    return out


def _reports_new_symptoms(
    decl: Declaration, clean: dict[str, Any], data: DeclarationInput, today: dt.date
) -> bool:
    if data.symptoms and not decl.symptoms:
        return True
    temperature = clean["temperature"]
    if temperature is None:
        return False
    line = fever_line(decl.subdistrict_id, today)
    return temperature >= line and (decl.temperature is None or decl.temperature < line)


def submit_amendment(
    *,
    declaration: Declaration,
    clean: dict[str, Any],
    data: DeclarationInput,
    today: dt.date,
    moment: dt.datetime,
) -> DeclarationAmendment | None:
    """Keep a public repeat of a declared trip as a pending amendment (nothing in the declaration changes).

    A double submit (the submission id of the declaration or of an earlier amendment) is ignored. New
    symptoms or a fever raise the usual fever alert at once (a safety signal), but start nothing: staff
    decide on the amendment. Returns None when the repeat proposes no change and reports nothing new."""
    decl = declaration
    submission_id = (data.submission_id or "")[:40]
    if submission_id and (
        submission_id == decl.submission_id
        or DeclarationAmendment.objects.filter(declaration=decl, submission_id=submission_id).exists()
    ):
        return None
    proposed = _proposal(decl, clean, data)
    phone_columns = personal.columns("phone", clean["phone"], kind=personal.PHONE)
    phone_changed = phone_columns["phone_hash"] != decl.phone_hash
    new_symptoms = _reports_new_symptoms(decl, clean, data, today)
    if not proposed and not phone_changed and not new_symptoms:
        return None
    amendment = DeclarationAmendment(
        subdistrict_id=decl.subdistrict_id,
        neighborhood_id=decl.neighborhood_id,
        declaration=decl,
        proposed=proposed,
        new_symptoms=new_symptoms,
        submitted_at=moment,
        submission_id=submission_id,
    )
    if phone_changed:
        for column, value in phone_columns.items():
            setattr(amendment, column, value)
    try:
        with transaction.atomic():
            amendment.save(force_insert=True)
    except IntegrityError:
        return None  # the same submission, sent twice at once
    audit.record(
        actor=None,
        action=AuditAction.CREATE,
        obj=amendment,
        changes={"fields": amendment.fields_proposed, "new_symptoms": new_symptoms},
        note=_("公众重复申报，待工作人员审核"),
    )
    if new_symptoms:
        temperature = clean["temperature"]
        _alert_fever(
            subdistrict_id=decl.subdistrict_id,
            neighborhood_id=decl.neighborhood_id,
            subject=_("返沪申报新报告症状/发热：%(name)s，请立即核实") % {"name": decl.name},
            body=_("%(hood)s 申报人 %(name)s 重复申报时报告：%(what)s。请核实并审核其更正。")
            % {
                "hood": decl.neighborhood,
                "name": decl.name,
                "what": "；".join(
                    part
                    for part in (
                        _("有症状") if data.symptoms else "",
                        (data.symptoms_note or "").strip()[:200],
                        f"{temperature} °C" if temperature is not None else "",
                    )
                    if part
                ),
            },
        )
    return amendment


def _amended_value(name: str, value: Any, decl: Declaration) -> dict[str, Any]:
    """Declaration attributes to set when staff accept the proposed ``value`` of field ``name``."""
    from fangkong.registry.models import Building

    if name == "building_id":
        building = Building.objects.filter(pk=value, subdistrict_id=decl.subdistrict_id).first()
        if building is None:
            raise ValidationError(_("提交的楼栋已不存在。"))
        return {"building": building, "neighborhood_id": building.neighborhood_id}
    if name == "origin_code":
        region = regions.lookup(value)
        return {"origin_code": region.code, "origin_name": region.full_name}
    if name == "departure_date":
        return {"departure_date": dt.date.fromisoformat(value)}
    if name == "temperature":
        return {"temperature": Decimal(value)}
    if name == "employer_name":
        attrs: dict[str, Any] = {"employer_name": value}
        if decl.employer_id and decl.employer is not None and decl.employer.name != value:
            attrs["employer"] = None
        return attrs
    return {name: value}


@transaction.atomic(durable=True)
def decide_amendment(
    *, actor: Any, amendment: DeclarationAmendment, decisions: dict[str, str]
) -> DeclarationResult:
    """Staff accept or reject each proposed field of a pending amendment (every field gets a decision). The
    accepted values are written into the declaration, which is classified again; both are audited."""
    from fangkong.returnees.choices import AmendmentDecision, AmendmentStatus

    _require_staff(actor)
    obj = DeclarationAmendment.objects.select_for_update().get(pk=amendment.pk)
    check_write_scope(actor, obj)
    decl = Declaration.objects.select_for_update().get(pk=obj.declaration_id)
    check_write_scope(actor, decl)
    if obj.status != AmendmentStatus.PENDING:
        raise ValidationError(_("该更正已处理。"), code="resolved")
    fields = obj.fields_proposed
    missing = [f for f in fields if decisions.get(f) not in AmendmentDecision.values]
    if missing:
        raise ValidationError(_("请对每一项更改选择采纳或不采纳。"), code="undecided")
    before = audit.snapshot(decl)
    accepted = [f for f in fields if decisions[f] == AmendmentDecision.ACCEPT]
    for name in accepted:
        if name == "phone":
            decl.phone_enc, decl.phone_hash, decl.phone_masked = (
                obj.phone_enc,
                obj.phone_hash,
                obj.phone_masked,
            )
            continue
        for attr, value in _amended_value(name, obj.proposed[name], decl).items():
            setattr(decl, attr, value)
    if decl.departure_date > decl.arrival_date:
        raise ValidationError(_("抵沪日期不能早于出发日期。"))
    today = local_now().date()
    result = DeclarationResult(decl, False)
    if accepted:
        decl.version += 1
        _apply(decl, classify_declaration(decl, on=today))
        decl.save()
        changes = audit.diff(before, audit.snapshot(decl))
        if "phone" in accepted:
            changes["phone"] = ["…", decl.phone_masked]
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=decl,
            changes=changes,
            note=_("采纳公众提交的更正 #%(id)s") % {"id": obj.pk},
        )
    obj.status = AmendmentStatus.RESOLVED
    obj.decisions = {f: decisions[f] for f in fields}
    obj.decided_by = actor
    obj.decided_at = timezone.now()
    obj.version += 1
    obj.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=obj, changes={"decisions": obj.decisions})
    if accepted:
        _act_on_classification(actor=actor, result=result, today=today)
    return result


def _act_on_classification(*, actor: Any, result: DeclarationResult, today: dt.date) -> None:
    decl = result.declaration
    if decl.risk_action not in (RiskAction.HOME_ISOLATION, RiskAction.REFERRAL):
        return
    active = Isolation.objects.filter(declaration=decl, status=IsolationStatus.ACTIVE).first()
    if active is None and not Isolation.objects.filter(declaration=decl).exists():
        start = min(decl.arrival_date, today)
        iso, token = start_isolation(actor=actor, declaration=decl, start_date=start, _system=True)
        result.isolation, result.token = iso, token
    else:
        result.isolation = active
    if (
        decl.risk_action == RiskAction.REFERRAL
        and not Referral.objects.filter(
            isolation=result.isolation, report__isnull=True, visit__isnull=True
        ).exists()
    ):
        referral = Referral.objects.create(
            subdistrict_id=decl.subdistrict_id,
            neighborhood_id=decl.neighborhood_id,
            isolation=result.isolation,
            person_name=decl.name,
            temperature=decl.temperature,
            reason=decl.risk_rule_label or _("申报有症状或发热"),
        )
        audit.record(actor=actor, action=AuditAction.CREATE, obj=referral)
        _alert_fever(
            key=f"fever:referral:{referral.pk}",
            link=reverse("returnees:declaration_detail", args=[decl.pk]),
            subdistrict_id=decl.subdistrict_id,
            neighborhood_id=decl.neighborhood_id,
            subject=_("返沪申报发热/症状：%(name)s，请立即转诊") % {"name": decl.name},
            body=_("%(hood)s 申报人 %(name)s：%(rule)s")
            % {"hood": decl.neighborhood, "name": decl.name, "rule": decl.risk_rule_label},
        )

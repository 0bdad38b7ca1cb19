"""Every write of the returnees app. Views, API, the management command and imports call these.

Times: report slots and days are in local time (settings.TIME_ZONE, Asia/Shanghai). A day has a morning slot
(before 12:00) and an afternoon slot (12:00–24:00). The morning slot is missed at 12:00, the afternoon slot
at midnight.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, crypto, notify
from fangkong.core.choices import AuditAction, Role
from fangkong.core.exceptions import ScopeError
from fangkong.core.policies import get_policy
from fangkong.core.services import check_write_scope
from fangkong.core.ttlcache import TTLCache
from fangkong.core.validators import (
    check_document,
    validate_mobile,
    validate_name,
    validate_temperature,
    validate_text,
)
from fangkong.returnees import regions
from fangkong.returnees.choices import (
    IsolationMode,
    IsolationStatus,
    ReferralOutcome,
    ReportSource,
    RiskAction,
    SignoffRole,
    Slot,
    Source,
    TaskStatus,
    VisitKind,
)
from fangkong.returnees.models import (
    Declaration,
    DeclarationAmendment,
    FollowUpTask,
    HealthFormCount,
    HealthReport,
    Isolation,
    Referral,
    RiskRule,
    Venue,
    VenueVisit,
)
from fangkong.returnees.rules import Classification, Facts, RuleSpec, classify, default_rules

MORNING_DEADLINE = dt.time(12, 0)


# ---------------------------------------------------------------- time helpers


def local_now(now: dt.datetime | None = None) -> dt.datetime:
    return timezone.localtime(now or timezone.now())


def slot_of(now: dt.datetime | None = None) -> tuple[dt.date, str]:
    moment = local_now(now)
    return moment.date(), (Slot.MORNING if moment.time() < MORNING_DEADLINE else Slot.AFTERNOON)


def closed_slots(now: dt.datetime | None = None) -> list[tuple[dt.date, str]]:
    """Slots whose reporting window has closed, from yesterday morning up to ``now`` (local time)."""
    moment = local_now(now)
    today = moment.date()
    yesterday = today - dt.timedelta(days=1)
    out: list[tuple[dt.date, str]] = [(yesterday, Slot.MORNING), (yesterday, Slot.AFTERNOON)]
    if moment.time() >= MORNING_DEADLINE:
        out.append((today, Slot.MORNING))
    return out


def fever_line(subdistrict_id: int, on: dt.date) -> Decimal:
    return Decimal(str(get_policy(subdistrict_id, "fever_line", on=on)))


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_staff(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ScopeError("anonymous")


# ---------------------------------------------------------------- classification


def rules_in_force(subdistrict_id: int, on: dt.date) -> list[RuleSpec]:
    rows = RiskRule.objects.filter(subdistrict_id=subdistrict_id, effective_from__lte=on).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gte=on)
    )
    specs = [
        RuleSpec(r.kind, r.level, r.action, r.days, tuple(r.prefixes), r.priority, r.name, r.pk) for r in rows
    ]
    if specs:
        return specs
    return default_rules(int(get_policy(subdistrict_id, "key_area_days", on=on)))


def classify_declaration(decl: Declaration, *, on: dt.date | None = None) -> Classification:
    on = on or timezone.localdate()
    facts = Facts(
        origin_code=decl.origin_code,
        arrival_date=decl.arrival_date,
        key_area=decl.key_area,
        exposure=decl.exposure,
        symptoms=decl.symptoms,
        temperature=float(decl.temperature) if decl.temperature is not None else None,
    )
    return classify(
        facts,
        rules_in_force(decl.subdistrict_id, on),
        on=on,
        fever_line=float(fever_line(decl.subdistrict_id, on)),
    )


def _apply(decl: Declaration, result: Classification) -> None:
    decl.risk_level = result.level
    decl.risk_action = result.action
    decl.risk_rule_id = result.rule_id
    decl.risk_rule_label = result.label[:120]


@transaction.atomic
def save_risk_rule(*, actor: Any, rule: RiskRule) -> RiskRule:
    from fangkong.core import services as core_services

    if rule._state.adding:
        return core_services.create_object(actor=actor, obj=rule)
    return core_services.update_object(actor=actor, obj=rule)


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


def _clean(data: DeclarationInput, *, today: dt.date) -> dict[str, Any]:
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
    clean = _clean(data, today=today)
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
        for column, value in crypto.personal_columns("id_number", clean["id_number"]).items():
            setattr(decl, column, value)
        for column, value in crypto.personal_columns("phone", clean["phone"], kind="phone").items():
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
    for column, value in crypto.personal_columns("phone", clean["phone"], kind="phone").items():
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


@transaction.atomic
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
    phone_columns = crypto.personal_columns("phone", clean["phone"], kind="phone")
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


@transaction.atomic
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


# ---------------------------------------------------------------- isolation


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _hash_token(token)


@transaction.atomic
def start_isolation(
    *,
    actor: Any,
    declaration: Declaration,
    mode: str = IsolationMode.HOME,
    start_date: dt.date | None = None,
    _system: bool = False,
) -> tuple[Isolation, str]:
    """Start isolation (home or central): end = start + isolation_days (the policy in force on the start
    day). The start may not be in the future nor before the arrival. Returns the isolation and its personal
    report token (shown once)."""
    if not _system:
        _require_staff(actor)
        check_write_scope(actor, declaration)
    start = start_date or timezone.localdate()
    if mode not in IsolationMode.values:
        raise ValidationError(_("请选择隔离方式。"))
    if start > local_now().date():
        raise ValidationError(_("隔离开始日期不能在未来。"), code="future")
    if start < declaration.arrival_date:
        raise ValidationError(
            _("隔离开始日期不能早于抵沪日期 %(d)s。") % {"d": declaration.arrival_date}, code="before_arrival"
        )
    if Isolation.objects.filter(declaration=declaration, status=IsolationStatus.ACTIVE).exists():
        raise ValidationError(_("该申报已有进行中的隔离。"))
    days = int(get_policy(declaration.subdistrict_id, "isolation_days", on=start))
    end = start + dt.timedelta(days=days)
    token, token_hash = new_token()
    iso = Isolation(
        subdistrict_id=declaration.subdistrict_id,
        neighborhood_id=declaration.neighborhood_id,
        building_id=declaration.building_id,
        declaration=declaration,
        id_number_hash=declaration.id_number_hash,
        mode=mode,
        start_date=start,
        planned_end_date=end,
        end_date=end,
        report_token_hash=token_hash,
    )
    iso.save(force_insert=True)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=iso, changes=audit.snapshot(iso))
    return iso, token


@transaction.atomic
def extend_isolation(*, actor: Any, isolation: Isolation, new_end_date: dt.date, note: str = "") -> Isolation:
    """Move the end later. A date earlier than the current end is refused: isolation is never shortened."""
    iso = Isolation.objects.select_for_update().get(pk=isolation.pk)
    check_write_scope(actor, iso)
    if iso.status != IsolationStatus.ACTIVE:
        raise ValidationError(_("隔离已解除，不能再延长。"))
    if new_end_date < iso.end_date:
        raise ValidationError(
            _("隔离期只能延长，不能缩短：当前结束日期为 %(d)s。") % {"d": iso.end_date}, code="shorten"
        )
    if new_end_date == iso.end_date:
        return iso
    before = iso.end_date
    iso.end_date = new_end_date
    iso.version += 1
    iso.save(update_fields=["end_date", "version", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=iso,
        changes={"end_date": [before.isoformat(), new_end_date.isoformat()]},
        note=note or _("延长隔离期"),
    )
    return iso


@transaction.atomic
def release_isolation(
    *,
    actor: Any,
    isolation: Isolation,
    signoff_role: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Isolation:
    """Release after the end date, signed off by committee staff or the health centre (recorded)."""
    _require_staff(actor)
    iso = Isolation.objects.select_for_update().get(pk=isolation.pk)
    check_write_scope(actor, iso)
    from fangkong.returnees.access import may_sign_release

    if not may_sign_release(actor):
        raise ScopeError("role")
    if signoff_role not in SignoffRole.values:
        raise ValidationError(_("请选择签字解除方：居委会或社区卫生服务中心。"))
    if iso.status != IsolationStatus.ACTIVE:
        return iso
    today = local_now(now).date()
    if today < iso.end_date:
        raise ValidationError(_("隔离期至 %(d)s 才满，不能提前解除。") % {"d": iso.end_date}, code="early")
    iso.status = IsolationStatus.RELEASED
    iso.released_at = now or timezone.now()
    iso.released_by = actor
    iso.signoff_role = signoff_role
    iso.release_note = note[:200]
    iso.version += 1
    iso.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=iso,
        changes={"status": ["active", "released"], "signoff_role": signoff_role},
        note=_("解除隔离签字"),
    )
    return iso


@transaction.atomic
def reissue_report_link(*, actor: Any, isolation: Isolation) -> str:
    """A new personal link for the isolated person; the old one stops working."""
    iso = Isolation.objects.select_for_update().get(pk=isolation.pk)
    check_write_scope(actor, iso)
    token, token_hash = new_token()
    iso.report_token_hash = token_hash
    iso.save(update_fields=["report_token_hash", "updated_at"])
    audit.record(actor=actor, action=AuditAction.ACTION, obj=iso, note=_("重新发放上报链接"))
    return token


def isolation_for_token(token: str, *, now: dt.datetime | None = None) -> Isolation | None:
    """The active isolation a personal link belongs to; None for a forged, replaced or expired link."""
    if not token or len(token) < 20 or len(token) > 100:
        return None
    iso = (
        Isolation.objects.select_related("declaration", "neighborhood")
        .filter(report_token_hash=_hash_token(token), status=IsolationStatus.ACTIVE)
        .first()
    )
    if iso is None or local_now(now).date() > iso.end_date:
        return None
    return iso


# ---------------------------------------------------------------- reports, fevers, tasks


def _alert_fever(
    *,
    subdistrict_id: int,
    neighborhood_id: int | None,
    subject: str,
    body: str,
    key: str = "",
    link: str = "",
) -> None:
    """A fever is one urgent alert per recipient: the neighborhood's committee staff and the sub-district's
    HQ, each once per ``key`` (the referral), delivered by the job runner."""
    import uuid

    key = key or f"fever:{uuid.uuid4().hex}"
    for level, people in (
        (notify.LEVEL_COMMITTEE, notify.committee_of(subdistrict_id, neighborhood_id)),
        (notify.LEVEL_HQ, notify.hq_of(subdistrict_id)),
    ):
        notify.alert(
            kind="fever",
            subject=subject,
            body=body,
            recipients=people,
            key=key,
            link=link,
            subdistrict_id=subdistrict_id,
            neighborhood_id=neighborhood_id,
            level=level,
            urgent=True,
        )


@dataclass
class ReportResult:
    report: HealthReport
    created: bool
    referral: Referral | None = None


@transaction.atomic
def submit_report(
    *,
    actor: Any,
    isolation: Isolation,
    temperature: Any,
    symptoms: bool = False,
    note: str = "",
    source: str = ReportSource.SELF,
    day: dt.date | None = None,
    slot: str | None = None,
    now: dt.datetime | None = None,
) -> ReportResult:
    """A twice-daily report. A second submission for the same slot returns the first (idempotent).
    A temperature at or above the fever line alerts at once and records a referral."""
    value = Decimal(str(validate_temperature(temperature)))
    if source == ReportSource.PHONE:
        _require_staff(actor)
        check_write_scope(actor, isolation)
    today, current_slot = slot_of(now)
    day = day or today
    slot = slot or current_slot
    if slot not in Slot.values:
        raise ValidationError(_("时段不正确。"))
    if day > today or (day == today and slot == Slot.AFTERNOON and current_slot == Slot.MORNING):
        raise ValidationError(_("不能为未来的时段上报。"))
    if isolation.status != IsolationStatus.ACTIVE or not (isolation.start_date <= day <= isolation.end_date):
        raise ValidationError(_("该日期不在隔离期内。"))
    existing = HealthReport.objects.filter(isolation=isolation, day=day, slot=slot).first()
    if existing is not None:
        return ReportResult(existing, False)
    line = fever_line(isolation.subdistrict_id, day)
    report = HealthReport(
        subdistrict_id=isolation.subdistrict_id,
        neighborhood_id=isolation.neighborhood_id,
        isolation=isolation,
        day=day,
        slot=slot,
        temperature=value,
        symptoms=bool(symptoms),
        note=(note or "")[:200],
        fever=value >= line,
        source=source,
        reported_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError:
        return ReportResult(HealthReport.objects.get(isolation=isolation, day=day, slot=slot), False)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=report, changes=audit.snapshot(report))
    FollowUpTask.objects.filter(isolation=isolation, day=day, slot=slot, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, done_at=timezone.now()
    )
    referral = None
    if report.fever or report.symptoms:
        name = isolation.declaration.name
        reason = (
            _("体温 %(t)s °C，达到发热线 %(line)s °C") % {"t": value, "line": line}
            if report.fever
            else _("上报有症状")
        )
        referral = Referral.objects.create(
            subdistrict_id=isolation.subdistrict_id,
            neighborhood_id=isolation.neighborhood_id,
            isolation=isolation,
            report=report,
            person_name=name,
            temperature=value,
            reason=reason,
        )
        audit.record(actor=actor, action=AuditAction.CREATE, obj=referral)
        _alert_fever(
            key=f"fever:referral:{referral.pk}",
            link=reverse("returnees:isolation_detail", args=[isolation.pk]),
            subdistrict_id=isolation.subdistrict_id,
            neighborhood_id=isolation.neighborhood_id,
            subject=_("隔离人员发热预警：%(name)s %(t)s °C") % {"name": name, "t": value},
            body=_("%(hood)s %(name)s 在%(day)s%(slot)s上报：%(reason)s。请立即联系并转诊。")
            % {
                "hood": isolation.neighborhood,
                "name": name,
                "day": day,
                "slot": Slot(slot).label,
                "reason": reason,
            },
        )
    return ReportResult(report, True, referral)


@transaction.atomic
def record_referral_outcome(*, actor: Any, referral: Referral, outcome: str, note: str = "") -> Referral:
    ref = Referral.objects.select_for_update().get(pk=referral.pk)
    check_write_scope(actor, ref)
    if outcome not in ReferralOutcome.values:
        raise ValidationError(_("请选择转诊结果。"))
    before = ref.outcome
    ref.outcome = outcome
    ref.outcome_note = note[:200]
    ref.closed_at = None if outcome == ReferralOutcome.PENDING else timezone.now()
    ref.version += 1
    ref.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=ref, changes={"outcome": [before, outcome]})
    return ref


def responsible_user(building: Any) -> Any:
    """The person in charge of a building (分楼包干) when the pairing app provides one; else the first
    committee staff account of the building's neighborhood."""
    import importlib

    try:
        pairing_services = importlib.import_module("fangkong.pairing.services")
        finder = getattr(pairing_services, "responsible_user_for_building", None)
    except ImportError:
        finder = None
    if finder is not None:
        user = finder(building)
        if user is not None:
            return user
    from fangkong.core.models import User

    return (
        User.objects.filter(is_active=True, role=Role.STAFF, neighborhoods__id=building.neighborhood_id)
        .order_by("id")
        .first()
    )


def responsible_users(buildings: set[tuple[int, int]]) -> dict[int, Any]:
    """``responsible_user`` for many (building id, neighborhood id) pairs in a constant number of queries:
    the person in charge (分楼包干) where the pairing app provides one, else the neighborhood's first
    committee staff account."""
    import importlib

    from fangkong.core.models import User

    found: dict[int, Any] = {}
    finder = single = None
    try:
        pairing_services = importlib.import_module("fangkong.pairing.services")
        finder = getattr(pairing_services, "responsible_users_for_buildings", None)
        single = getattr(pairing_services, "responsible_user_for_building", None)
    except ImportError:
        pass
    if finder is not None:
        found.update(finder({b for b, _h in buildings}))
    elif single is not None:  # a pairing app without the bulk lookup: one building at a time
        for building_id, _hood in buildings:
            user = single(building_id)
            if user is not None:
                found[building_id] = user
    missing_hoods = {h for b, h in buildings if b not in found}
    first_staff: dict[int, Any] = {}
    if missing_hoods:
        staff = (
            User.objects.filter(is_active=True, role=Role.STAFF, neighborhoods__id__in=missing_hoods)
            .annotate(hood_id=F("neighborhoods__id"))
            .order_by("id")
        )
        for user in staff:
            first_staff.setdefault(user.hood_id, user)
    for building_id, hood_id in buildings:
        if building_id not in found and hood_id in first_staff:
            found[building_id] = first_staff[hood_id]
    return found


@transaction.atomic
def generate_missed_report_tasks(*, subdistrict_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Turn every closed slot without a report into a follow-up task (once per slot).

    A constant number of queries whatever the number of people in isolation: per closed slot (at most
    three) one grouped SELECT counts the missing reports per building, and one INSERT … SELECT writes the
    tasks, each assigned to its building's person in charge (one lookup for all buildings). A task that
    already exists is left alone (NOT EXISTS, and ON CONFLICT DO NOTHING against a concurrent sweep)."""
    from django.db import connection

    ops = connection.ops
    iso = Isolation._meta.db_table
    reports = HealthReport._meta.db_table
    tasks = FollowUpTask._meta.db_table
    where = (
        f"i.status = %s AND i.start_date <= %s AND i.end_date >= %s"
        f"{' AND i.subdistrict_id = %s' if subdistrict_id is not None else ''}"
        f" AND NOT EXISTS (SELECT 1 FROM {reports} r WHERE r.isolation_id = i.id AND r.day = %s AND r.slot = %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {tasks} t WHERE t.isolation_id = i.id AND t.day = %s AND t.slot = %s)"
    )

    def where_params(day: dt.date, slot: str) -> list[Any]:
        value = ops.adapt_datefield_value(day)
        scope = [subdistrict_id] if subdistrict_id is not None else []
        return [IsolationStatus.ACTIVE, value, value, *scope, value, slot, value, slot]

    missing: dict[tuple[dt.date, str], list[tuple[int, int, int]]] = {}
    with connection.cursor() as cursor:
        for day, slot in closed_slots(now):
            cursor.execute(
                f"SELECT i.building_id, i.neighborhood_id, COUNT(*) FROM {iso} i WHERE {where} "
                f"GROUP BY i.building_id, i.neighborhood_id",
                where_params(day, slot),
            )
            rows = [(int(b), int(h), int(n)) for b, h, n in cursor.fetchall()]
            if rows:
                missing[(day, slot)] = rows
    if not missing:
        return 0
    assignee = responsible_users({(b, h) for rows in missing.values() for b, h, _n in rows})
    # the building → person map inlined as integer literals (no parameter limit however many buildings)
    case = (
        "CASE i.building_id "
        + " ".join(f"WHEN {int(b)} THEN {int(u.pk)}" for b, u in sorted(assignee.items()))
        + " ELSE NULL END"
        if assignee
        else "NULL"
    )
    stamp_value = ops.adapt_datetimefield_value(timezone.now())
    created = 0
    per_user: dict[Any, int] = {}
    with connection.cursor() as cursor:
        for (day, slot), rows in missing.items():
            cursor.execute(
                f"INSERT INTO {tasks} (created_at, updated_at, version, subdistrict_id, neighborhood_id, "
                f"building_id, isolation_id, day, slot, assignee_id, status) "
                f"SELECT %s, %s, 1, i.subdistrict_id, i.neighborhood_id, i.building_id, i.id, %s, %s, {case}, %s "
                f"FROM {iso} i WHERE {where} ON CONFLICT DO NOTHING",
                [
                    stamp_value,
                    stamp_value,
                    ops.adapt_datefield_value(day),
                    slot,
                    TaskStatus.OPEN,
                    *where_params(day, slot),
                ],
            )
            created += max(cursor.rowcount, 0)
            for building_id, _hood, count in rows:
                user = assignee.get(building_id)
                if user is not None:
                    per_user[user] = per_user.get(user, 0) + count
    stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"
    notify.alert_many(
        notify.Alert(
            kind="missed_report",
            subject=_("有 %(n)d 条健康上报漏报，请电话跟进") % {"n": count},
            recipients=[user],
            key=f"missed_report:{user.pk}:{stamp}",
            link=reverse("returnees:board"),
            subdistrict_id=user.subdistrict_id,
        )
        for user, count in per_user.items()
    )
    if created:
        audit.record(
            actor=None,
            action=AuditAction.ACTION,
            object_type="returnees.followuptask",
            object_repr=_("生成漏报跟进任务"),
            changes={"count": created},
            subdistrict_id=subdistrict_id,
        )
    return created


@transaction.atomic
def complete_task(*, actor: Any, task: FollowUpTask) -> FollowUpTask:
    obj = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    check_write_scope(actor, obj)
    if obj.status != TaskStatus.DONE:
        obj.status = TaskStatus.DONE
        obj.done_at = timezone.now()
        obj.save(update_fields=["status", "done_at", "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=obj, changes={"status": ["open", "done"]})
    return obj


# ---------------------------------------------------------------- venues


@transaction.atomic
def ensure_venue(*, actor: Any, organization: Any = None, premises: Any = None) -> Venue:
    """The venue (and its QR code) of an organisation or premises, created on first use."""
    target = organization or premises
    if target is None or (organization is not None and premises is not None):
        raise ValidationError(_("场所须对应一个单位或一个楼宇园区。"))
    field_name = "organization" if organization is not None else "premises"
    existing = Venue.objects.filter(**{field_name: target}).first()
    if existing is not None:
        return existing
    venue = Venue(
        subdistrict_id=target.subdistrict_id,
        neighborhood_id=target.neighborhood_id,
        name=target.name,
        kind=target.kind,
        code=secrets.token_urlsafe(12),
        **{field_name: target},
    )
    if actor is not None:
        check_write_scope(actor, venue)
    venue.save(force_insert=True)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=venue)
    return venue


def _venue_fever(*, actor: Any, visit: VenueVisit) -> Referral:
    venue = visit.venue
    referral = Referral.objects.create(
        subdistrict_id=visit.subdistrict_id,
        neighborhood_id=visit.neighborhood_id,
        organization_id=visit.organization_id,
        visit=visit,
        person_name=visit.name,
        temperature=visit.temperature,
        reason=_("%(venue)s门口测温 %(t)s °C") % {"venue": venue.name, "t": visit.temperature},
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=referral)
    _alert_fever(
        key=f"fever:referral:{referral.pk}",
        link=reverse("returnees:venue_detail", args=[venue.pk]),
        subdistrict_id=visit.subdistrict_id,
        neighborhood_id=visit.neighborhood_id,
        subject=_("场所发热预警：%(venue)s %(t)s °C") % {"venue": venue.name, "t": visit.temperature},
        body=_("%(venue)s 登记人员 %(name)s 体温 %(t)s °C，请立即处置。")
        % {"venue": venue.name, "name": visit.name, "t": visit.temperature},
    )
    from fangkong.core.models import User

    notify.alert(
        kind="fever",
        subject=_("场所发热预警：%(venue)s") % {"venue": venue.name},
        recipients=User.objects.filter(is_active=True, organization_id=venue.organization_id or -1),
        key=f"fever:referral:{referral.pk}",
        subdistrict_id=visit.subdistrict_id,
        neighborhood_id=visit.neighborhood_id,
        level=notify.LEVEL_OWNER,
        urgent=True,
    )
    return referral


@dataclass
class VisitResult:
    visit: VenueVisit
    created: bool


# Public check-in lookups, cached per process for a short time (core.ttlcache): a QR poster's venue and the
# fever line are read on every check-in of a morning surge but change rarely. Saving a venue or a policy
# clears the cache of this process at once (see apps.py); other processes see the change within
# CHECKIN_CACHE_SECONDS.
CHECKIN_CACHE_SECONDS = 30.0
_checkin = TTLCache("returnees.checkin", max_entries=8192)


def clear_checkin_cache(**_kwargs: Any) -> None:
    _checkin.clear()


def venue_for_code(code: str) -> Venue | None:
    """The venue of a QR code (None for an unknown code), cached per process for a short time."""
    if not code or len(code) > 32:
        return None
    return _checkin.get(
        ("venue", code), CHECKIN_CACHE_SECONDS, lambda: Venue.objects.filter(code=code).first()
    )


def _checkin_fever_line(subdistrict_id: int, day: dt.date) -> Decimal:
    return _checkin.get(
        ("fever", subdistrict_id, day), CHECKIN_CACHE_SECONDS, lambda: fever_line(subdistrict_id, day)
    )


def register_visit(
    *,
    actor: Any,
    venue: Venue,
    name: str,
    phone: str,
    temperature: Any,
    key_area_14d: bool,
    submission_id: str,
    now: dt.datetime | None = None,
) -> VisitResult:
    """A visitor's or guest's registration at the door (public, by the venue's QR code).

    Built for a surge: validation, sealing the phone number and the (cached) fever line all happen before
    any write. The usual registration is one INSERT, its own transaction; a fever's registration, referral,
    audit event and alerts are written in one transaction. A
    re-submitted form (same submission id) hits the unique constraint and returns the first registration.
    The registration row is the record of an anonymous check-in: no audit event is written for it (a fever's
    referral is audited)."""
    moment = now or timezone.now()
    today = local_now(moment).date()
    if venue.visits_suspended_on(today):
        raise ValidationError(
            _("%(venue)s 自 %(d)s 起暂停探视，请勿前往。")
            % {"venue": venue.name, "d": venue.visits_suspended_from},
            code="suspended",
        )
    errors: dict[str, str] = {}
    try:
        name = validate_name(name)
    except ValidationError as exc:
        errors["name"] = exc.messages[0]
    try:
        phone = validate_mobile(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    try:
        value = Decimal(str(validate_temperature(temperature)))
    except ValidationError as exc:
        errors["temperature"] = exc.messages[0]
    submission_id = (submission_id or "").strip()[:40] or secrets.token_hex(16)
    if errors:
        raise ValidationError(errors)
    visit = VenueVisit(
        subdistrict_id=venue.subdistrict_id,
        neighborhood_id=venue.neighborhood_id,
        organization_id=venue.organization_id,
        venue=venue,
        kind=VisitKind.VISITOR,
        name=name,
        temperature=value,
        key_area_14d=bool(key_area_14d),
        fever=value >= _checkin_fever_line(venue.subdistrict_id, today),
        at=moment,
        created_at=moment,
        submission_id=submission_id,
    )
    for column, sealed in crypto.personal_columns("phone", phone, kind="phone").items():
        setattr(visit, column, sealed)
    try:
        if visit.fever or transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                visit.save(force_insert=True)
                if visit.fever:
                    _venue_fever(actor=actor, visit=visit)
        else:
            # A single INSERT is its own transaction: the write lock is held for that one statement only.
            visit.save(force_insert=True)
    except IntegrityError:
        existing = VenueVisit.objects.filter(venue=venue, submission_id=submission_id).first()
        if existing is None:
            raise
        return VisitResult(existing, False)
    return VisitResult(visit, True)


def carer_isolation_open(subdistrict_id: int, id_number: str) -> Isolation | None:
    id_hash = crypto.lookup_hash("id_number", id_number)
    return (
        Isolation.objects.filter(
            subdistrict_id=subdistrict_id, id_number_hash=id_hash, status=IsolationStatus.ACTIVE
        )
        .order_by("-end_date")
        .first()
    )


@transaction.atomic
def log_shift_temperature(
    *,
    actor: Any,
    venue: Venue,
    name: str,
    id_number: str,
    temperature: Any,
    doc_type: str = "resident_id",
    submission_id: str = "",
    now: dt.datetime | None = None,
) -> VisitResult:
    """A staff member's reading before a shift. A carer whose isolation is not yet released is refused."""
    _require_staff(actor)
    moment = now or timezone.now()
    errors: dict[str, str] = {}
    try:
        name = validate_name(name)
    except ValidationError as exc:
        errors["name"] = _("请填写员工姓名。") if exc.code == "required" else exc.messages[0]
    try:
        id_value = check_document(doc_type, id_number).value
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
        id_value = ""
    try:
        value = Decimal(str(validate_temperature(temperature)))
    except ValidationError as exc:
        errors["temperature"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    visit = VenueVisit(
        subdistrict_id=venue.subdistrict_id,
        neighborhood_id=venue.neighborhood_id,
        organization_id=venue.organization_id,
        venue=venue,
        kind=VisitKind.SHIFT,
        name=name,
        id_number_hash=crypto.lookup_hash("id_number", id_value),
        temperature=value,
        fever=value >= fever_line(venue.subdistrict_id, local_now(moment).date()),
        at=moment,
        submission_id=(submission_id or secrets.token_hex(16))[:40],
        recorded_by=actor,
    )
    check_write_scope(actor, visit)
    iso = carer_isolation_open(venue.subdistrict_id, id_value)
    if iso is not None:
        raise ValidationError(
            _("%(name)s 的隔离（至 %(d)s）尚未签字解除，不能上岗。") % {"name": name, "d": iso.end_date},
            code="in_isolation",
        )
    existing = VenueVisit.objects.filter(venue=venue, submission_id=visit.submission_id).first()
    if existing is not None:
        return VisitResult(existing, False)
    visit.save(force_insert=True)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=visit, changes=audit.snapshot(visit))
    if visit.fever:
        _venue_fever(actor=actor, visit=visit)
    return VisitResult(visit, True)


@transaction.atomic
def suspend_visits(
    *,
    actor: Any,
    venue: Venue,
    from_date: dt.date | None,
    note: str = "",
    until: dt.date | None = None,
) -> Venue:
    """Suspend visits from a date, until a date when one is given (None as the start resumes them; the
    ``returnees.lift_suspensions`` job resumes them after the end date)."""
    obj = Venue.objects.select_for_update().get(pk=venue.pk)
    if actor is not None:  # None: the system (demo data, command line, the job runner)
        check_write_scope(actor, obj)
    if from_date is not None and not obj.is_elderly_home:
        raise ValidationError(_("只有养老机构可以设置暂停探视。"))
    if from_date is None:
        until = None
    if from_date is not None and until is not None and until < from_date:
        raise ValidationError(_("暂停探视截止日期不能早于起始日期。"))
    before = (obj.visits_suspended_from, obj.visits_suspended_until)
    obj.visits_suspended_from = from_date
    obj.visits_suspended_until = until
    obj.suspension_note = note[:200]
    obj.version += 1
    obj.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=obj,
        changes={
            "visits_suspended_from": [str(before[0] or ""), str(from_date or "")],
            "visits_suspended_until": [str(before[1] or ""), str(until or "")],
        },
    )
    return obj


@transaction.atomic
def record_health_forms(
    *,
    actor: Any,
    neighborhood: Any,
    day: dt.date,
    handed_out: int,
    returned: int,
    venue: Venue | None = None,
) -> HealthFormCount:
    """Set the day's counts of 《健康状况信息登记表》 handed out and returned (one row per place and day)."""
    if handed_out < 0 or returned < 0:
        raise ValidationError(_("份数不能为负数。"))
    if returned > handed_out:
        raise ValidationError(_("回收份数不能多于发放份数。"))
    if venue is not None and venue.neighborhood_id not in (None, neighborhood.pk):
        raise ValidationError(_("场所不属于该居民区。"))
    row = (
        HealthFormCount.objects.select_for_update()
        .filter(neighborhood=neighborhood, venue=venue, day=day)
        .first()
    )
    created = row is None
    if row is None:
        row = HealthFormCount(
            subdistrict_id=neighborhood.subdistrict_id, neighborhood=neighborhood, venue=venue, day=day
        )
    before = (row.handed_out, row.returned)
    row.handed_out, row.returned = handed_out, returned
    if actor is not None:  # None: the system (demo data, command line)
        check_write_scope(actor, row)
    row.full_clean(validate_unique=False, validate_constraints=False)
    if not created:
        row.version += 1
    row.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=row,
        changes={"handed_out": [before[0], handed_out], "returned": [before[1], returned]},
    )
    return row


def record_read(*, actor: Any, declaration: Declaration) -> None:
    """Health data is sensitive: each read of a returnee's record is audited."""
    audit.record(actor=actor, action=AuditAction.READ, obj=declaration)


def record_list_read(
    *, actor: Any, listed: str, object_type: str, ids: list[int], filters: dict[str, Any] | None = None
) -> None:
    """A page listing health data (isolation lists, the follow-up board, a venue's log) is audited once per
    view: one "read" event naming the list, its filters and the records shown (not one event per row)."""
    audit.record(
        actor=actor,
        action=AuditAction.READ,
        object_type=object_type,
        object_repr=listed,
        changes={
            "list": listed,
            "filters": {k: v for k, v in (filters or {}).items() if v not in (None, "")},
            "count": len(ids),
            "ids": ids[:500],
        },
    )

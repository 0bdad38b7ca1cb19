"""Venues: check-ins (with the per-process lookup cache), carers' shift temperatures, suspended visits, and the
audited reads of health records. (The health-form counts are the care app's materials counter.)"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, crypto, notify, personal, ratelimit
from fangkong.core.choices import AuditAction
from fangkong.core.services import check_write_scope
from fangkong.core.statements import execute_prepared
from fangkong.core.ttlcache import TTLCache
from fangkong.core.validators import (
    check_document,
    validate_name,
    validate_temperature,
)
from fangkong.returnees.choices import (
    IsolationStatus,
    VisitKind,
)
from fangkong.returnees.models import (
    Declaration,
    Isolation,
    Referral,
    Venue,
    VenueVisit,
)
from fangkong.returnees.services.reports import _alert_fever
from fangkong.returnees.services.times import _require_staff, fever_line, local_now

# ---------------------------------------------------------------- venues


@transaction.atomic
def ensure_venue(
    *, actor: Any, organization: Any = None, premises: Any = None, compound: Any = None
) -> Venue:
    """The venue (and its QR code) of an organisation, premises or compound, created on first use. A
    compound's venue is its gate's volunteer service and registration point (志愿者服务点暨登记点)."""
    given = {
        name: target
        for name, target in (("organization", organization), ("premises", premises), ("compound", compound))
        if target is not None
    }
    if len(given) != 1:
        raise ValidationError(_("场所须对应一个单位、一个楼宇园区或一个小区。"))
    ((field_name, target),) = given.items()
    existing = Venue.objects.filter(**{field_name: target}).first()
    if existing is not None:
        return existing
    if field_name == "compound":
        name, kind = _("%(c)s门口志愿者服务点暨登记点") % {"c": target.name}, "volunteer_point"
    else:
        name, kind = target.name, target.kind
    venue = Venue(
        subdistrict_id=target.subdistrict_id,
        neighborhood_id=target.neighborhood_id,
        name=name[:120],
        kind=kind,
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
    client_ip: str | None = None,
) -> VisitResult:
    """A visitor's or guest's registration at the door (public, by the venue's QR code).

    Built for a surge: validation, sealing the phone number and the (cached) fever line all happen before
    any write. With ``client_ip`` (the API), the request is counted against the rate limit of endpoint
    "returnees.venue" per address and per phone number as submitted (a refused registration counts too;
    RateLimited over a limit); without it the caller has counted it (the page's decorator).

    The usual registration is one statement: on PostgreSQL the rate counters and the INSERT go in one
    prepared statement (one round trip, one commit), elsewhere the counters then one INSERT. A fever's
    registration, referral, audit event and alerts are written in one transaction. A re-submitted form (same
    submission id) hits the unique constraint and returns the first registration. The registration row is
    the record of an anonymous check-in: no audit event is written for it (a fever's referral is audited)."""
    limit = ratelimit.limit_for("returnees.venue") if client_ip is not None else None
    keys = ratelimit.keys_for(limit, ip=client_ip or "", key=str(phone) if phone else None) if limit else []
    try:
        visit = _checked_visit(
            venue=venue,
            name=name,
            phone=phone,
            temperature=temperature,
            key_area_14d=key_area_14d,
            submission_id=submission_id,
            moment=now or timezone.now(),
        )
    except ValidationError:
        if limit is not None:
            ratelimit.count(limit, keys)  # raises RateLimited over a limit, as a refused request counts
        raise
    if one_statement() and not visit.fever:
        with _savepoint_if_atomic():
            visit_id, limited = _insert_visit_prepared(visit, keys, limit)
        if limited:
            assert limit is not None
            raise ratelimit.over_error(limit, keys, limited, time.time())
        if visit_id is not None:
            visit.pk = visit_id
            visit._state.adding = False
            visit._state.db = connection.alias
            return VisitResult(visit, True)
    else:
        if limit is not None:
            ratelimit.count(limit, keys)
        try:
            if visit.fever or transaction.get_connection().in_atomic_block:
                with transaction.atomic():
                    visit.save(force_insert=True)
                    if visit.fever:
                        _venue_fever(actor=actor, visit=visit)
            else:
                # A single INSERT is its own transaction: the write lock is held for that one statement only.
                visit.save(force_insert=True)
            return VisitResult(visit, True)
        except IntegrityError:
            pass
    existing = VenueVisit.objects.filter(venue=venue, submission_id=visit.submission_id).first()
    if existing is None:
        raise ValidationError(_("登记未能保存，请重试。"), code="retry")
    return VisitResult(existing, False)


def _checked_visit(
    *,
    venue: Venue,
    name: str,
    phone: str,
    temperature: Any,
    key_area_14d: bool,
    submission_id: str,
    moment: dt.datetime,
) -> VenueVisit:
    """The registration a check-in asks for, every rule checked (suspension, name, phone, temperature), the
    fever decided and the phone sealed; not saved. Raises ValidationError."""
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
        phone = personal.validate_mobile_cached(str(phone or ""))
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
        updated_at=moment,
        submission_id=submission_id,
    )
    for column, sealed in personal.columns("phone", phone, kind=personal.PHONE).items():
        setattr(visit, column, sealed)
    return visit


def one_statement() -> bool:
    """Whether a check-in is stored by the one prepared statement (PostgreSQL) rather than the ORM."""
    return connection.vendor == "postgresql"


@contextmanager
def _savepoint_if_atomic() -> Iterator[None]:
    """A savepoint inside a transaction; nothing in autocommit (one statement is atomic by itself)."""
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
    else:
        yield


_VISIT_SQL: dict[int, str] = {}
_VISIT_SKIP = {"id"}


def _visit_fields() -> list[Any]:
    return [f for f in VenueVisit._meta.concrete_fields if f.name not in _VISIT_SKIP]


def _visit_sql(n_keys: int) -> str:
    """The check-in statement for a number of rate-limit keys (built once per process): the counters (a
    data-modifying CTE), then the INSERT unless a key is over its limit, with a repeat left to the unique
    constraint (ON CONFLICT DO NOTHING). One answer row: the new id (NULL for a repeat or a refusal) and the
    keys over their limit (NULL when none)."""
    sql = _VISIT_SQL.get(n_keys)
    if sql is not None:
        return sql
    qn = connection.ops.quote_name
    fields = _visit_fields()
    insert = (
        f"INSERT INTO {qn(VenueVisit._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"SELECT {', '.join(['%s'] * len(fields))} {{guard}} ON CONFLICT DO NOTHING RETURNING id"
    )
    if n_keys:
        over = ratelimit.over_sql(n_keys)
        sql = (
            f"WITH rl AS ({ratelimit.counter_sql(n_keys)}), "
            f"ins AS ({insert.replace('{guard}', f'WHERE NOT EXISTS (SELECT 1 FROM rl WHERE {over})')}) "
            f"SELECT (SELECT id FROM ins), (SELECT string_agg(rl.key, ' ') FROM rl WHERE {over})"
        )
    else:
        sql = f"WITH ins AS ({insert.replace('{guard}', '')}) SELECT (SELECT id FROM ins), NULL"
    _VISIT_SQL[n_keys] = sql
    return sql


def _insert_visit_prepared(
    visit: VenueVisit, keys: list[tuple[str, int]], limit: ratelimit.Limit | None
) -> tuple[int | None, str | None]:
    """PostgreSQL: count the rate-limit hit and INSERT the registration in one prepared statement. Returns
    (the new id, or None when the submission is already registered or a key is over its limit; the keys
    over their limit, or None)."""
    values = [getattr(visit, f.attname) for f in _visit_fields()]
    params: list[Any] = []
    if keys:
        assert limit is not None
        over = ratelimit.over_params(keys)
        params = [*ratelimit.counter_params(keys, ratelimit.window_start(limit, time.time())), *values]
        params += over + over
    else:
        params = values
    visit_id, limited = execute_prepared(_visit_sql(len(keys)), params)
    return visit_id, limited


def carer_isolation_open(subdistrict_id: int, id_number: str) -> Isolation | None:
    id_hash = crypto.lookup_hash("id_number", id_number)
    return (
        Isolation.objects.filter(
            subdistrict_id=subdistrict_id, id_number_hash=id_hash, status=IsolationStatus.ACTIVE
        )
        .order_by("-end_date")
        .first()
    )


@transaction.atomic(durable=True)
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

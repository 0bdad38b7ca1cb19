"""Tickets: opening (by staff, a unit's dispatcher, or a resident's public page, which the committee confirms),
routing to the unit for the kind and area, assignment to the person on duty now, and the state machine of
``access.TRANSITIONS``: each move audited with its time and note, in the ticket's own log too.

Opening is the hot path (an emergency line at sub-district scale): a staff or dispatcher's ticket is routed
and assigned before it is stored, so it is written once, already dispatched; its address is one query (the
isolation presence and the room's household), the duty one query, the routing kept a few seconds per
process, and the log rows, audit events and the duty person's alert one insert each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, notify, personal
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.registry.models import Building, Household
from fangkong.tickets import access, selectors
from fangkong.tickets.choices import (
    CheckResult,
    Isolation,
    TicketKind,
    TicketSource,
    TicketState,
    Urgency,
)
from fangkong.tickets.models import FlatCheck, PartnerUnit, Ticket, TicketEvent, TicketPhoto


def _events(ticket: Ticket, actor: Any, moves: list[tuple[str, str, str]], at: dt.datetime) -> None:
    """The ticket's log rows and their audit events for ``moves`` (before, after, note): one insert each."""
    name = str(actor) if actor is not None else _("居民")
    who = actor if getattr(actor, "pk", None) else None
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket=ticket,
                at=at,
                actor=who,
                actor_name=name,
                from_state=before,
                to_state=after,
                note=note[:300],
            )
            for before, after, note in moves
        ]
    )
    audit.record_many(
        [
            audit.build(
                actor=actor,
                action=AuditAction.ACTION,
                obj=ticket,
                changes={"transition": f"{before} → {after}", "moved_at": at.isoformat()},
                note=note or str(TicketState(after).label),
            )
            for before, after, note in moves
        ]
    )


def _event(ticket: Ticket, actor: Any, before: str, after: str, note: str, at: dt.datetime) -> None:
    _events(ticket, actor, [(before, after, note)], at)


@transaction.atomic
def open_ticket(
    *,
    actor: Any,
    building: Building,
    kind: str,
    urgency: str = Urgency.URGENT,
    room: str = "",
    description: str = "",
    phone: str = "",
    building_wide: bool = False,
    public_key: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket at a building (and room). Staff's and a dispatcher's tickets are routed and dispatched at
    once; a resident's (``actor=None``, from the public page) waits for the committee's confirmation. A repeat
    of the same public submission (``public_key``) answers the ticket it made."""
    now = now or timezone.now()
    if kind not in TicketKind.values:
        raise ValidationError({"kind": [_("请选择报修类别。")]})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": [_("请选择紧急程度。")]})
    if public_key:
        existing = Ticket.objects.filter(public_key=public_key).first()
        if existing is not None:
            return existing
    member = None
    if actor is not None:
        if not access.may_open_ticket(actor):
            raise PermissionDenied(_("您不能登记报修。"))
        member = access.member_of(actor)
    room = room.strip()[:20]
    address = selectors.address_facts(building.pk, room)
    ticket = Ticket(
        subdistrict_id=building.subdistrict_id,
        neighborhood_id=building.neighborhood_id,
        building=building,
        household_id=address.household_id,
        room=address.household_room or room,
        kind=kind,
        urgency=urgency,
        description=description.strip()[:500],
        building_wide=building_wide,
        source=TicketSource.PUBLIC if actor is None else TicketSource.UNIT if member else TicketSource.STAFF,
        public_key=public_key or None,
        opened_by=actor if getattr(actor, "pk", None) else None,
        opened_at=now,
        isolation=address.isolation,
    )
    if phone:
        personal.set_columns(ticket, {"phone": phone})
    if member is not None:
        if member.unit.subdistrict_id != building.subdistrict_id:
            raise PermissionDenied(_("超出您的管理范围。"))
        ticket.unit = member.unit
        ticket.organization_id = member.unit.organization_id
    if actor is not None:
        try:
            core_services.check_write_scope(actor, ticket)
        except ScopeError:
            raise PermissionDenied(_("超出您的管理范围。"))
    if actor is None:
        ticket.save(force_insert=True)
        _event(ticket, actor, "", TicketState.NEW, _("登记报修"), now)
        notify.alert(
            kind="tickets.public_report",
            subject=_("居民报修待确认：%(b)s %(r)s %(k)s")
            % {"b": building.name, "r": ticket.room, "k": ticket.get_kind_display()},
            recipients=notify.committee_of(ticket.subdistrict_id, ticket.neighborhood_id),
            key=f"tickets.public_report:{ticket.pk}",
            link=reverse("tickets:detail", args=[ticket.pk]),
            subdistrict_id=ticket.subdistrict_id,
            neighborhood_id=ticket.neighborhood_id,
            level=notify.LEVEL_COMMITTEE,
            urgent=True,
        )
        return ticket
    # Staff and a unit's dispatcher: routed and assigned first, then stored already dispatched.
    plan = _plan(ticket, now)
    _apply(ticket, plan, now)
    ticket.save(force_insert=True)
    _events(
        ticket,
        actor,
        [
            ("", TicketState.NEW, _("登记报修")),
            (TicketState.NEW, TicketState.DISPATCHED, _dispatch_note(_("登记即派单"), ticket)),
        ],
        now,
    )
    _notify_assignee(ticket, plan.users, now, new=True)  # a ticket of this transaction: its key is new
    return ticket


def _notify_assignee(
    ticket: Ticket, users: list[Any], now: dt.datetime, *, referred: bool = False, new: bool = False
) -> None:
    """The dispatch alert to the accounts of the people on duty (their unit's lead and dispatchers when
    nobody is; the committee, then HQ, when the unit has none either): stored for the inbox and the job
    runner, which delivers it; nothing is sent inside the request."""
    heads = [] if users else selectors.unit_heads(ticket.unit_id) if ticket.unit_id else []
    where = f"{ticket.building.name} {ticket.room}".strip()
    iso = "" if ticket.isolation == Isolation.NONE else f"【{ticket.get_isolation_display()}】"
    notify.alert(
        kind="tickets.dispatched",
        subject=_("%(iso)s%(ref)s应急派单 %(no)s：%(where)s %(kind)s（%(u)s）")
        % {
            "iso": iso,
            "ref": _("转来") if referred else "",
            "no": ticket.number,
            "where": where,
            "kind": ticket.get_kind_display(),
            "u": ticket.get_urgency_display(),
        },
        recipients=users or heads,
        key=f"tickets.dispatched:{ticket.pk}:{ticket.unit_id}",
        link=reverse("tickets:detail", args=[ticket.pk]),
        subdistrict_id=ticket.subdistrict_id,
        neighborhood_id=ticket.neighborhood_id,
        level=notify.LEVEL_OWNER,
        urgent=True,
        now=now,
        new_key=new,
    )


def _set_dues(ticket: Ticket, service: Any, now: dt.datetime) -> None:
    ticket.dispatched_at = now
    if service is None:
        ticket.respond_due = ticket.arrive_due = ticket.resolve_due = None
        return
    ticket.respond_due = now + dt.timedelta(minutes=service.respond_minutes)
    ticket.arrive_due = now + dt.timedelta(minutes=service.arrive_minutes)
    ticket.resolve_due = now + dt.timedelta(hours=service.resolve_hours)


@dataclass
class _Plan:
    """Where a ticket goes: its unit, the unit's SLA for it, the people on duty now and their accounts."""

    unit: PartnerUnit
    service: Any
    people: list[Any]
    users: list[Any]


def _plan(ticket: Ticket, now: dt.datetime) -> _Plan:
    """Route the ticket to the unit for its kind and area (a dispatcher's stays with their unit) and find the
    people on duty now: the routing is kept a few seconds per process, the duty is one query."""
    if ticket.unit_id:
        unit = ticket.unit
        service = selectors.service_of(unit.pk, ticket.kind, ticket.urgency) if unit else None
    else:
        unit, service = selectors.route(
            ticket.subdistrict_id, ticket.neighborhood_id, ticket.kind, ticket.urgency
        )
    if unit is None:
        raise ValidationError(_("没有承接此类报修的联动单位，请先设置联动单位。"))
    duty = selectors.duty_now(unit, at=now)
    return _Plan(unit, service, [p for p, _u in duty], [u for _p, u in duty if u is not None])


def _apply(ticket: Ticket, plan: _Plan, now: dt.datetime) -> None:
    ticket.unit = plan.unit
    ticket.organization_id = plan.unit.organization_id
    ticket.assignee = plan.people[0] if plan.people else None
    _set_dues(ticket, plan.service, now)
    ticket.state = TicketState.DISPATCHED


def _dispatch_note(note: str, ticket: Ticket) -> str:
    who = ticket.assignee.name if ticket.assignee else _("（当前无人值班，已通知单位负责人）")
    return f"{note} → {ticket.unit} {who}".strip()


@transaction.atomic
def dispatch(*, actor: Any, ticket: Ticket, now: dt.datetime | None = None, note: str = "") -> Ticket:
    """Route the ticket to the unit for its kind and area (a dispatcher's stays with their unit), assign it to
    the person on duty now, start its SLA clocks and notify them: 新建 → 已派单."""
    now = now or timezone.now()
    if ticket.state != TicketState.NEW:
        raise ValidationError(_("只有新建的报修单可以派单。"))
    plan = _plan(ticket, now)
    _apply(ticket, plan, now)
    ticket.isolation = selectors.isolation_at(ticket.building_id, ticket.room)
    ticket.version += 1
    ticket.save()
    _event(ticket, actor, TicketState.NEW, TicketState.DISPATCHED, _dispatch_note(note, ticket), now)
    _notify_assignee(ticket, plan.users, now)
    return ticket


@transaction.atomic(durable=True)
def confirm_ticket(*, actor: Any, ticket: Ticket, note: str = "", now: dt.datetime | None = None) -> Ticket:
    """The committee confirms a resident's report; it is then routed and dispatched."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not access.may_confirm(actor, ticket):
        raise PermissionDenied(_("您不能确认该报修。"))
    now = now or timezone.now()
    ticket.confirmed_at = now
    ticket.confirmed_by = actor
    return dispatch(actor=actor, ticket=ticket, now=now, note=note or _("居委确认"))


@transaction.atomic
def advance(
    *,
    actor: Any,
    ticket: Ticket,
    to_state: str,
    note: str = "",
    unit: PartnerUnit | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Move a ticket along the table of allowed transitions (``access.TRANSITIONS``), with the step's rules:
    a referral names another unit (the first unit stays linked), the full repair after a temporary fix waits
    for the household's consent, a building-wide job ends with every flat checked."""
    now = now or timezone.now()
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("unit", "building").get(pk=ticket.pk)
    )
    before = ticket.state
    if to_state not in access.TRANSITIONS.get(before, ()):
        raise ValidationError(
            _("报修单不能从「%(a)s」转为「%(b)s」。")
            % {
                "a": TicketState(before).label,
                "b": TicketState(to_state).label if to_state in TicketState.values else to_state,
            }
        )
    if to_state == TicketState.DISPATCHED:
        if not access.may_move(actor, ticket, to_state):
            raise PermissionDenied(_("您不能派发该报修单。"))
        return dispatch(actor=actor, ticket=ticket, now=now, note=note)
    if not access.may_move(actor, ticket, to_state):
        raise PermissionDenied(_("您不能执行此操作。"))
    if (
        to_state == TicketState.FULL_REPAIR
        and before == TicketState.AWAITING_CONSENT
        and ticket.consent_at is None
    ):
        raise ValidationError(_("请先记录用户同意（同意人与时间），再彻底维修。"))
    if to_state == TicketState.DONE and before == TicketState.SAFETY_CHECK:
        if ticket.flat_checks.filter(result=CheckResult.PENDING).exists():
            raise ValidationError(_("还有住户未完成入户安全检查。"))
    if to_state == TicketState.DONE and ticket.building_wide and before != TicketState.SAFETY_CHECK:
        raise ValidationError(_("整栋作业完成前须逐户入户安全检查。"))
    referred_people: list[Any] = []
    if to_state == TicketState.REFERRED:
        if unit is None or unit.pk == ticket.unit_id or unit.subdistrict_id != ticket.subdistrict_id:
            raise ValidationError({"unit": [_("请选择另一家联动单位。")]})
        if ticket.first_unit_id is None:
            ticket.first_unit_id = ticket.unit_id
        service = unit.services.filter(kind=ticket.kind, urgency=ticket.urgency).first()
        duty = selectors.duty_now(unit, at=now)
        referred_people = [u for _p, u in duty if u is not None]
        ticket.unit = unit
        ticket.organization_id = unit.organization_id
        ticket.assignee = duty[0][0] if duty else None
        note = f"{note} → {unit}".strip()
        if service is not None and ticket.resolve_due is None:
            _set_dues(ticket, service, ticket.dispatched_at or now)
    if to_state == TicketState.RESPONDED and ticket.responded_at is None:
        ticket.responded_at = now
    if to_state == TicketState.ON_SITE and ticket.arrived_at is None:
        ticket.arrived_at = now
    if to_state in (TicketState.DONE, TicketState.CANCELLED):
        ticket.closed_at = now
    if to_state == TicketState.SAFETY_CHECK:
        _start_flat_checks(ticket)
    ticket.state = to_state
    ticket.version += 1
    ticket.save()
    _event(ticket, actor, before, to_state, note, now)
    if to_state == TicketState.REFERRED:
        _notify_assignee(ticket, referred_people, now, referred=True)
    return ticket


@transaction.atomic(durable=True)
def move_ticket(
    *,
    actor: Any,
    ticket: Ticket,
    to_state: str,
    note: str = "",
    unit: PartnerUnit | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """The pages' and the API's transition: ``advance`` in its own transaction."""
    return advance(actor=actor, ticket=ticket, to_state=to_state, note=note, unit=unit, now=now)


def _start_flat_checks(ticket: Ticket) -> None:
    """The door-to-door checklist: every flat of the building (the ticket's own room when it is not a
    building-wide job)."""
    if ticket.flat_checks.exists():
        return
    households = Household.objects.filter(building_id=ticket.building_id).order_by("room", "pk")
    if not ticket.building_wide:
        households = households.filter(pk=ticket.household_id) if ticket.household_id else households.none()
    FlatCheck.objects.bulk_create([FlatCheck(ticket=ticket, household=h, room=h.room) for h in households])


@transaction.atomic
def record_consent(
    *, actor: Any, ticket: Ticket, who: str, at: dt.datetime | None = None, note: str = ""
) -> Ticket:
    """The household agreed to the full repair: who agreed and when."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not access.may_record_consent(actor, ticket):
        raise PermissionDenied(_("现在不能记录用户同意。"))
    if not who.strip():
        raise ValidationError({"who": [_("请填写同意人。")]})
    ticket.consent_by = who.strip()[:50]
    ticket.consent_at = at or timezone.now()
    ticket.version += 1
    ticket.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=ticket,
        changes={"consent": [ticket.consent_by, ticket.consent_at.isoformat()]},
        note=note or _("用户同意彻底维修"),
    )
    return ticket


@transaction.atomic
def check_flat(
    *, actor: Any, check: FlatCheck, result: str, note: str = "", at: dt.datetime | None = None
) -> FlatCheck:
    """One flat of the door-to-door safety check: normal, an exception (explained) or no access."""
    ticket = check.ticket
    if not access.may_check_flats(actor, ticket):
        raise PermissionDenied(_("现在不能登记入户检查。"))
    if result not in (CheckResult.OK, CheckResult.EXCEPTION, CheckResult.NO_ACCESS):
        raise ValidationError({"result": [_("请选择检查结果。")]})
    if result == CheckResult.EXCEPTION and not note.strip():
        raise ValidationError({"note": [_("异常须写明情况。")]})
    check.result = result
    check.note = note.strip()[:200]
    check.checked_at = at or timezone.now()
    check.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=ticket,
        changes={"flat": [check.room, result, check.note]},
        note=_("入户安全检查"),
    )
    return check


@transaction.atomic(durable=True)
def record_consent_now(*, actor: Any, ticket: Ticket, who: str, note: str = "") -> Ticket:
    """The page's consent step, in its own transaction."""
    return record_consent(actor=actor, ticket=ticket, who=who, note=note)


@transaction.atomic(durable=True)
def check_flats(*, actor: Any, ticket: Ticket, results: dict[int, tuple[str, str]]) -> int:
    """The checklist page: the results of several flats of one ticket (check id → (result, note))."""
    count = 0
    for check in ticket.flat_checks.filter(pk__in=list(results)).select_related("ticket"):
        result, note = results[check.pk]
        if result == CheckResult.PENDING:
            continue
        check_flat(actor=actor, check=check, result=result, note=note)
        count += 1
    return count


@transaction.atomic(durable=True)
def add_photo(*, actor: Any, ticket: Ticket, image: Any, caption: str = "") -> TicketPhoto:
    if not access.may_add_photo(actor, ticket):
        raise PermissionDenied(_("您不能为该报修单上传照片。"))
    photo = TicketPhoto.objects.create(
        ticket=ticket, image=image, caption=caption.strip()[:100], uploaded_by=actor
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=ticket,
        changes={"photo": photo.image.name},
        note=_("现场照片"),
    )
    return photo


@transaction.atomic(durable=True)
def open_ticket_now(**kwargs: Any) -> Ticket:
    """The pages' and the API's opening, in its own transaction."""
    return open_ticket(**kwargs)

"""Tickets API: the board of open tickets with their clocks, tickets (read, open, move), partner units with
who is on duty now. Scoped like the web; the same services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from fangkong.core.errors import api_text
from fangkong.tickets import access, selectors, services
from fangkong.tickets.choices import TicketState, Urgency

router = Router()


class ClockOut(Schema):
    clock: str
    due: dt.datetime | None
    done_at: dt.datetime | None
    state: str
    minutes_left: int | None


class TicketOut(Schema):
    id: int
    number: str
    kind: str
    urgency: str
    state: str
    source: str
    neighborhood_id: int
    building_id: int
    room: str
    building_wide: bool
    isolation: str
    phone_masked: str
    unit_id: int | None
    first_unit_id: int | None
    assignee_name: str
    consent_by: str
    consent_at: dt.datetime | None
    opened_at: dt.datetime
    clocks: list[ClockOut]
    moves: list[str]


class TicketIn(Schema):
    building_id: int
    kind: str
    urgency: str = Urgency.URGENT
    room: str = ""
    description: str = ""
    phone: str = ""
    building_wide: bool = False


class MoveIn(Schema):
    to_state: str
    note: str = ""
    unit_id: int | None = None


class UnitOut(Schema):
    id: int
    name: str
    service_kind: str
    hotline: str
    on_duty: list[str]


def _out(user: Any, ticket: Any) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "kind": ticket.kind,
        "urgency": ticket.urgency,
        "state": ticket.state,
        "source": ticket.source,
        "neighborhood_id": ticket.neighborhood_id,
        "building_id": ticket.building_id,
        "room": ticket.room,
        "building_wide": ticket.building_wide,
        "isolation": ticket.isolation,
        "phone_masked": ticket.phone_masked,
        "unit_id": ticket.unit_id,
        "first_unit_id": ticket.first_unit_id,
        "assignee_name": ticket.assignee.name if ticket.assignee else "",
        "consent_by": ticket.consent_by,
        "consent_at": ticket.consent_at,
        "opened_at": ticket.opened_at,
        "clocks": [c.__dict__ for c in selectors.clocks(ticket)],
        "moves": access.allowed_moves(user, ticket),
    }


@router.get("/board", response=list[TicketOut])
def board(request: HttpRequest, unit: int | None = None) -> Any:
    user = access.tickets_user(request.user)
    return [_out(user, r.ticket) for r in selectors.board(user, unit_id=unit)]


@router.get("/tickets/{pk}", response=TicketOut)
def get_ticket(request: HttpRequest, pk: int) -> Any:
    user = access.tickets_user(request.user)
    return _out(user, get_object_or_404(selectors.tickets_for(user), pk=pk))


@router.post("/tickets", response={201: TicketOut})
def open_ticket(request: HttpRequest, payload: TicketIn) -> Any:
    user = access.tickets_user(request.user)
    if not access.may_open_ticket(user):
        raise Http404
    building = get_object_or_404(selectors.buildings_for_opening(user), pk=payload.building_id)
    try:
        ticket = services.open_ticket_now(
            actor=user,
            building=building,
            kind=payload.kind,
            urgency=payload.urgency,
            room=payload.room,
            description=payload.description,
            phone=payload.phone,
            building_wide=payload.building_wide,
        )
    except ValidationError as exc:
        raise HttpError(422, api_text(exc, keyed=True))
    except PermissionDenied:
        raise Http404
    return Status(201, _out(user, ticket))


@router.post("/tickets/{pk}/move", response=TicketOut)
def move_ticket(request: HttpRequest, pk: int, payload: MoveIn) -> Any:
    user = access.tickets_user(request.user)
    ticket = get_object_or_404(selectors.tickets_for(user), pk=pk)
    if payload.to_state not in TicketState.values or not access.may_move(user, ticket, payload.to_state):
        raise HttpError(409, "transition not allowed")
    unit = None
    if payload.to_state == TicketState.REFERRED:
        unit = next((u for u in selectors.referral_units(ticket) if u.pk == payload.unit_id), None)
    try:
        ticket = services.move_ticket(
            actor=user, ticket=ticket, to_state=payload.to_state, note=payload.note[:300], unit=unit
        )
    except ValidationError as exc:
        raise HttpError(422, api_text(exc, keyed=True))
    except PermissionDenied:
        raise HttpError(409, "transition not allowed")
    return _out(user, get_object_or_404(selectors.tickets_for(user), pk=ticket.pk))


@router.get("/units", response=list[UnitOut])
def units(request: HttpRequest) -> Any:
    user = access.tickets_user(request.user)
    return [
        {
            "id": u.pk,
            "name": u.organization.name,
            "service_kind": u.service_kind,
            "hotline": u.hotline,
            "on_duty": [p.name for p in selectors.on_duty_now(u)],
        }
        for u in selectors.units_for(user)
    ]

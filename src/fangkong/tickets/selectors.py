"""Reads of the tickets app for pages, the API and the services: who is on duty now, the isolation warning of
an address, the board of open tickets with their clocks, and each unit's SLA performance per week."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fangkong.core.ttlcache import TTLCache
from fangkong.pairing.choices import RosterStatus
from fangkong.pairing.models import DutyPerson, RosterAssignment
from fangkong.tickets.choices import OPEN_STATES, SERVICE_FOR_KIND, Clock, Isolation, TicketState
from fangkong.tickets.models import PartnerUnit, Ticket, UnitMember, UnitService

# A clock warns when this share of its span (at least WARN_MIN_SECONDS) is left.
WARN_SHARE = 0.25
WARN_MIN_SECONDS = 5 * 60


# ------------------------------------------------------------------------------------------ duty


@functools.cache
def _duty_sql() -> tuple[str, list[str]]:
    """The duty statement (written once; the ORM would compile it on every ticket): the assignments of a
    duty point's published rosters covering a moment, each with its person and the person's active account.
    """
    from django.db import connection

    from fangkong.core.models import User
    from fangkong.pairing.models import Roster, ShiftTemplate

    qn = connection.ops.quote_name
    cols = ", ".join([f"p.{qn(f.column)}" for f in DutyPerson._meta.concrete_fields] + [f"u.{qn('id')}"])
    sql = (
        f"SELECT {cols} FROM {qn(RosterAssignment._meta.db_table)} a"
        f" JOIN {qn(ShiftTemplate._meta.db_table)} t ON t.{qn('id')} = a.{qn('template_id')}"
        f" JOIN {qn(Roster._meta.db_table)} r ON r.{qn('id')} = a.{qn('roster_id')}"
        f" JOIN {qn(DutyPerson._meta.db_table)} p ON p.{qn('id')} = a.{qn('person_id')}"
        f" LEFT JOIN {qn(UnitMember._meta.db_table)} m ON m.{qn('duty_person_id')} = p.{qn('id')}"
        f" LEFT JOIN {qn(User._meta.db_table)} u ON u.{qn('id')} = m.{qn('user_id')}"
        f" AND u.{qn('is_active')} = %s"
        f" WHERE t.{qn('point_id')} = %s AND r.{qn('status')} = %s AND a.{qn('starts_at')} <= %s"
        f" AND a.{qn('ends_at')} > %s AND p.{qn('active')} = %s"
        f" ORDER BY a.{qn('starts_at')}, a.{qn('template_id')}, a.{qn('id')}"
    )
    return sql, [f.attname for f in DutyPerson._meta.concrete_fields]


def duty_now(unit: PartnerUnit, *, at: dt.datetime | None = None) -> list[tuple[DutyPerson, Any]]:
    """The unit's people on duty at ``at`` (default now) with their active accounts (None when a person has
    none), from its published roster's assignments: a night shift runs across midnight (its assignment ends
    the next morning) and an approved swap has already traded the assignments' people. One query."""
    from django.db import connection

    from fangkong.core.models import User

    at = at or timezone.now()
    if unit.point_id is None:
        return []
    sql, person_fields = _duty_sql()
    with connection.cursor() as cursor:
        moment = connection.ops.adapt_datetimefield_value(at)  # as the ORM writes it (UTC on SQLite)
        cursor.execute(sql, [True, unit.point_id, RosterStatus.PUBLISHED, moment, moment, True])
        rows = cursor.fetchall()
    n = len(person_fields)
    seen: dict[int, tuple[DutyPerson, Any]] = {}
    for row in rows:
        person = DutyPerson.from_db(connection.alias, person_fields, _converted(DutyPerson, row[:n]))
        user = None
        if row[n] is not None:  # the account as far as an alert needs it: its id, active
            user = User.from_db(connection.alias, ["id", "is_active"], [row[n], True])
        seen.setdefault(person.pk, (person, user))
    return list(seen.values())


def _converted(model: Any, values: tuple[Any, ...]) -> list[Any]:
    """A raw row's values as the ORM would read them (SQLite gives booleans as 0/1, JSON as text)."""
    from django.db import connection

    out = []
    for f, v in zip(model._meta.concrete_fields, values, strict=True):
        for conv in f.get_db_converters(connection):
            v = conv(v, f, connection)
        for conv in connection.ops.get_db_converters(f.get_col(model._meta.db_table)):
            v = conv(v, f.get_col(model._meta.db_table), connection)
        out.append(v)
    return out


def on_duty_now(unit: PartnerUnit, *, at: dt.datetime | None = None) -> list[DutyPerson]:
    """The unit's people on duty at ``at`` (see ``duty_now``). One query."""
    return [person for person, _user in duty_now(unit, at=at)]


def unit_heads(unit_id: int) -> list[Any]:
    """The unit's lead and dispatchers (the breach alerts go to them and to HQ)."""
    return [
        m.user
        for m in UnitMember.objects.filter(unit_id=unit_id, role__in=["lead", "dispatcher"]).select_related(
            "user"
        )
        if m.user.is_active
    ]


# ------------------------------------------------------------------------------------- isolation


def normalize_room(room: str) -> str:
    return room.strip().removesuffix("室").strip().upper()


def room_spellings(room: str) -> list[str]:
    """The spellings of a room that ``normalize_room`` takes to the same room (201, 201室, b201, B201室)."""
    wanted = normalize_room(room)
    if not wanted:
        return []
    out = {wanted, f"{wanted}室", wanted.lower(), f"{wanted.lower()}室"}
    return sorted(out)


@dataclass(frozen=True)
class Address:
    """What opening a ticket learns about its address in one query: isolation presence (never who) and the
    registry's household of the room."""

    isolation: str
    household_id: int | None
    household_room: str


@functools.cache
def _address_sql(spellings: int) -> str:
    """The address statement for a room spelt ``spellings`` ways (0: no room), written once: whether the
    building has an active home isolation (an EXISTS on the isolations' building index), whether the room has
    one, and the registry household of the room (its id and room as registered)."""
    from django.db import connection

    from fangkong.registry.models import Household
    from fangkong.returnees.models import Declaration
    from fangkong.returnees.models import Isolation as IsolationRow

    qn = connection.ops.quote_name
    iso, decl, hh = (qn(m._meta.db_table) for m in (IsolationRow, Declaration, Household))
    active = (
        f"FROM {iso} i WHERE i.{qn('building_id')} = %s AND i.{qn('status')} = %s AND i.{qn('mode')} = %s"
    )
    parts = [f"EXISTS(SELECT 1 {active})"]
    if spellings:
        rooms = ", ".join(["%s"] * spellings)
        parts.append(
            f"EXISTS(SELECT 1 FROM {iso} i JOIN {decl} d ON d.{qn('id')} = i.{qn('declaration_id')}"
            f" WHERE i.{qn('building_id')} = %s AND i.{qn('status')} = %s AND i.{qn('mode')} = %s"
            f" AND d.{qn('room')} IN ({rooms}))"
        )
        for col in ("id", "room"):
            parts.append(
                f"(SELECT h.{qn(col)} FROM {hh} h WHERE h.{qn('building_id')} = %s AND h.{qn('room')} IN ({rooms})"
                f" ORDER BY h.{qn('id')} LIMIT 1)"
            )
    return "SELECT " + ", ".join(parts)


def address_facts(building_id: int, room: str = "") -> Address:
    """The isolation warning of a building and room and the room's registry household, in one query: an
    indexed EXISTS over the building's active home isolations, another for the room, and the household
    whose room is spelt like ``room``. Nothing about who is isolated is read."""
    from django.db import connection

    from fangkong.returnees.choices import IsolationMode, IsolationStatus

    spellings = room_spellings(room)
    active = [building_id, IsolationStatus.ACTIVE, IsolationMode.HOME]
    params: list[Any] = list(active)
    if spellings:
        params += active + spellings + [building_id, *spellings, building_id, *spellings]
    with connection.cursor() as cursor:
        cursor.execute(_address_sql(len(spellings)), params)
        row = cursor.fetchone()
    if spellings and row[1]:
        iso = Isolation.ROOM
    elif row[0]:
        iso = Isolation.BUILDING
    else:
        iso = Isolation.NONE
    household_id = row[2] if spellings else None
    return Address(iso, household_id, (row[3] or "") if household_id else "")


def isolation_at(building_id: int, room: str = "") -> str:
    """Whether home isolation is present in the room, elsewhere in the building, or not at all: the only
    thing a ticket may know about it (never who). One query."""
    return address_facts(building_id, room).isolation


# --------------------------------------------------------------------------------------- routing


# Routing (unit and SLA per area, kind and urgency) is set by HQ and changes rarely: each process keeps it
# ROUTE_SECONDS; a change in this process forgets it at once (``forget_routes``), other processes see it
# when their entry ends.
ROUTE_SECONDS = 30.0
_routes = TTLCache("tickets.routes", max_entries=2000)


def forget_routes() -> None:
    _routes.forget("route")


def route(subdistrict_id: int, neighborhood_id: int, kind: str, urgency: str) -> tuple[Any, Any]:
    """The partner unit for a kind of ticket in a neighborhood, and its SLA for the urgency (None when the
    unit has none set). A unit that names the neighborhood comes before one serving the whole sub-district.
    Two queries, kept ROUTE_SECONDS per process."""
    return _routes.get(
        ("route", subdistrict_id, neighborhood_id, kind, urgency),
        ROUTE_SECONDS,
        lambda: _route(subdistrict_id, neighborhood_id, kind, urgency),
    )


def _route(subdistrict_id: int, neighborhood_id: int, kind: str, urgency: str) -> tuple[Any, Any]:
    service_kind = SERVICE_FOR_KIND.get(kind)
    through = PartnerUnit.neighborhoods.through.objects
    unit = (
        PartnerUnit.objects.filter(subdistrict_id=subdistrict_id, service_kind=service_kind, active=True)
        .annotate(
            named=Exists(through.filter(partnerunit_id=OuterRef("pk"), neighborhood_id=neighborhood_id)),
            limited=Exists(through.filter(partnerunit_id=OuterRef("pk"))),
        )
        .filter(Q(named=True) | Q(limited=False))
        .select_related("organization")
        .order_by("-named", "pk")
        .first()
    )
    if unit is None:
        return None, None
    return unit, service_of(unit.pk, kind, urgency)


def service_of(unit_id: int, kind: str, urgency: str) -> UnitService | None:
    """The unit's SLA for a kind of ticket and urgency (None when it has none set). One query."""
    return UnitService.objects.filter(unit_id=unit_id, kind=kind, urgency=urgency).first()


# ----------------------------------------------------------------------------------------- clocks


@dataclass
class ClockView:
    clock: str
    label: str
    due: dt.datetime | None
    done_at: dt.datetime | None
    state: str  # "met", "missed", "ok", "warn", "breached", "none"
    minutes_left: int | None = None

    @property
    def minutes_over(self) -> int:
        """Whole minutes past the deadline of a breached clock (at least 1)."""
        return max(1, -(self.minutes_left or 0))


def _clock(
    clock: str, start: dt.datetime | None, due: dt.datetime | None, done: dt.datetime | None, now: dt.datetime
) -> ClockView:
    label = str(Clock(clock).label)
    if due is None:
        return ClockView(clock, label, None, done, "none")
    if done is not None:
        return ClockView(clock, label, due, done, "met" if done <= due else "missed")
    left = (due - now).total_seconds()
    span = (due - start).total_seconds() if start else 0
    if left < 0:
        state = "breached"
    elif left <= max(WARN_MIN_SECONDS, span * WARN_SHARE):
        state = "warn"
    else:
        state = "ok"
    return ClockView(clock, label, due, None, state, int(left // 60))


def clocks(ticket: Ticket, now: dt.datetime | None = None) -> list[ClockView]:
    """The three SLA clocks of a ticket: response, arrival and resolution against its unit's SLA."""
    now = now or timezone.now()
    start = ticket.dispatched_at
    closed = ticket.closed_at if ticket.state == TicketState.DONE else None
    cancelled = ticket.state == TicketState.CANCELLED
    views = [
        _clock(Clock.RESPOND, start, ticket.respond_due, ticket.responded_at, now),
        _clock(Clock.ARRIVE, start, ticket.arrive_due, ticket.arrived_at, now),
        _clock(Clock.RESOLVE, start, ticket.resolve_due, closed, now),
    ]
    if cancelled:
        for v in views:
            if v.done_at is None:
                v.state, v.minutes_left = "none", None
    return views


# ----------------------------------------------------------------------------------------- reads


def tickets_for(user: Any) -> QuerySet[Ticket]:
    """The tickets the user sees: their scope's, and for a partner unit's people also the tickets their unit
    referred to another (转其他单位): the first unit stays linked, read-only (writing is the scope's, which
    follows the ticket to the unit now working it)."""
    from fangkong.tickets.access import member_of

    qs = Ticket.objects.visible_to(user)
    member = member_of(user)
    if member is not None:
        qs = qs | Ticket.objects.filter(
            first_unit_id=member.unit_id, subdistrict_id=member.unit.subdistrict_id
        )
    return qs.select_related(
        "neighborhood", "building__compound", "unit__organization", "first_unit__organization", "assignee"
    )


@dataclass
class BoardRow:
    ticket: Ticket
    clocks: list[ClockView]

    @property
    def worst(self) -> str:
        states = {c.state for c in self.clocks}
        for s in ("breached", "warn", "ok"):
            if s in states:
                return s
        return "none"


def board(
    user: Any, *, now: dt.datetime | None = None, unit_id: int | None = None, limit: int = 500
) -> list[BoardRow]:
    """The open tickets the user sees, most urgent clock first, each with its clocks. A constant number of
    queries whatever the number of tickets."""
    now = now or timezone.now()
    qs = tickets_for(user).filter(state__in=list(OPEN_STATES))
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    rows = [BoardRow(t, clocks(t, now)) for t in qs.order_by("respond_due", "opened_at", "id")[:limit]]
    order = {"breached": 0, "warn": 1, "ok": 2, "none": 3}
    rows.sort(key=lambda r: order[r.worst])
    return rows


def units_for(user: Any) -> QuerySet[PartnerUnit]:
    return PartnerUnit.objects.visible_to(user).select_related("organization").order_by("organization__name")


@dataclass
class WeekRow:
    week: dt.date
    total: int = 0
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: {"met": 0, "missed": 0})
    )

    def share(self, clock: str) -> str:
        c = self.counts[clock]
        n = c["met"] + c["missed"]
        return f"{100 * c['met'] / n:.0f}%" if n else "—"

    def cell(self, clock: str) -> dict[str, Any]:
        c = self.counts[clock]
        return {"met": c["met"], "missed": c["missed"], "share": self.share(clock)}

    @property
    def respond_cell(self) -> dict[str, Any]:
        return self.cell(Clock.RESPOND)

    @property
    def arrive_cell(self) -> dict[str, Any]:
        return self.cell(Clock.ARRIVE)

    @property
    def resolve_cell(self) -> dict[str, Any]:
        return self.cell(Clock.RESOLVE)


def weekly_performance(
    user: Any, unit: PartnerUnit, *, weeks: int = 8, now: dt.datetime | None = None
) -> list[WeekRow]:
    """The unit's tickets per week (by opening, Monday first) with the clocks met and missed. One query."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    first = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    out: dict[dt.date, WeekRow] = {
        first + dt.timedelta(weeks=i): WeekRow(first + dt.timedelta(weeks=i)) for i in range(weeks)
    }
    qs = Ticket.objects.visible_to(user).filter(unit=unit, opened_at__gte=start, dispatched_at__isnull=False)
    for t in qs.only(
        "opened_at",
        "state",
        "dispatched_at",
        "responded_at",
        "arrived_at",
        "closed_at",
        "respond_due",
        "arrive_due",
        "resolve_due",
    ):
        day = timezone.localtime(t.opened_at).date()
        row = out.get(day - dt.timedelta(days=day.weekday()))
        if row is None:
            continue
        row.total += 1
        for c in clocks(t, now):
            if c.state in ("met", "missed"):
                row.counts[c.clock][c.state] += 1
            elif c.state == "breached":
                row.counts[c.clock]["missed"] += 1
    return [out[k] for k in sorted(out, reverse=True)]


def buildings_for_opening(user: Any) -> QuerySet[Any]:
    """The buildings a user may open a ticket at: those they see, or for a unit's dispatcher the buildings of
    the unit's area (its neighborhoods, or its whole sub-district)."""
    from fangkong.registry.models import Building
    from fangkong.tickets.access import member_of

    member = member_of(user)
    if member is None:
        qs = Building.objects.visible_to(user)
    else:
        unit = member.unit
        qs = Building.objects.filter(subdistrict_id=unit.subdistrict_id)
        hoods = list(unit.neighborhoods.values_list("pk", flat=True))
        if hoods:
            qs = qs.filter(neighborhood_id__in=hoods)
    return qs.select_related("neighborhood", "compound").order_by(
        "neighborhood__code", "compound__name", "name"
    )


def referral_units(ticket: Ticket) -> list[PartnerUnit]:
    """The other units of the ticket's sub-district it can be referred to."""
    return list(
        PartnerUnit.objects.filter(subdistrict_id=ticket.subdistrict_id, active=True)
        .exclude(pk=ticket.unit_id or 0)
        .select_related("organization")
        .order_by("organization__name")
    )


def unit_rosters(unit: PartnerUnit) -> list[Any]:
    """The rosters over the unit's duty point (its 24-hour duty), newest first."""
    from fangkong.pairing.models import Roster

    if unit.point_id is None:
        return []
    return list(
        Roster.objects.filter(templates__point_id=unit.point_id).distinct().order_by("-start_date")[:5]
    )


def member_candidates(unit: PartnerUnit) -> QuerySet[Any]:
    """The organisation contacts of the unit's organisation not yet among its people."""
    from fangkong.core.choices import Role
    from fangkong.core.models import User

    return User.objects.filter(
        role=Role.ORG_CONTACT, organization_id=unit.organization_id, is_active=True, unit_member__isnull=True
    ).order_by("username")


def poster_neighborhoods(user: Any) -> list[Any]:
    """The neighborhoods whose residents' report poster the user may print: those they see."""
    from fangkong.registry.models import Neighborhood

    return list(Neighborhood.objects.visible_to(user).order_by("code"))


def published_unit_rosters(unit: PartnerUnit) -> list[Any]:
    """The unit's published duty rosters that have not ended, soonest first."""
    from fangkong.pairing.models import Roster

    if unit.point_id is None:
        return []
    return list(
        Roster.objects.filter(
            templates__point_id=unit.point_id,
            status=RosterStatus.PUBLISHED,
            end_date__gte=timezone.localdate(),
        )
        .distinct()
        .order_by("start_date", "pk")
    )


def my_shifts(person: DutyPerson, roster: Any) -> list[RosterAssignment]:
    """The person's shifts on the roster from today on."""
    if roster is None:
        return []
    return list(
        RosterAssignment.objects.filter(roster=roster, person=person, date__gte=timezone.localdate())
        .select_related("template")
        .order_by("starts_at")
    )


def my_swaps(person: DutyPerson, roster: Any) -> list[Any]:
    """The swaps on the roster involving the person, newest first."""
    from fangkong.pairing.models import ShiftSwap

    if roster is None:
        return []
    return list(
        ShiftSwap.objects.filter(Q(first__person=person) | Q(second__person=person), roster=roster)
        .select_related("first__person", "second__person", "first__template", "second__template")
        .order_by("-pk")[:20]
    )

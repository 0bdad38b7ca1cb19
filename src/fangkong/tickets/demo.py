"""Demo data for 应急联动: 市北燃气 (gas, the whole sub-district) and 市北供电 (power) as partner units with their
services and SLAs, emergency kit (a few items short), people and a published 24-hour roster; the article's
two jobs as closed tickets with their real durations, and a few open tickets, one about to breach its
response time."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from fangkong.core.choices import Role
from fangkong.core.models import User
from fangkong.registry.demo import DEMO_PASSWORD
from fangkong.registry.models import Building, Household, Organization
from fangkong.tickets import services
from fangkong.tickets.choices import (
    CheckResult,
    KitKind,
    MemberRole,
    ServiceKind,
    TicketKind,
    TicketState,
    Urgency,
)
from fangkong.tickets.models import PartnerUnit, Ticket

# (kind, urgency) -> respond minutes, on site minutes, resolve hours
GAS_SLA = {
    (TicketKind.GAS_LEAK, Urgency.EMERGENCY): (5, 30, 6),
    (TicketKind.GAS_LEAK, Urgency.URGENT): (10, 45, 8),
    (TicketKind.GAS_LEAK, Urgency.NORMAL): (30, 120, 24),
    (TicketKind.NO_GAS, Urgency.EMERGENCY): (10, 60, 8),
    (TicketKind.NO_GAS, Urgency.URGENT): (15, 90, 12),
    (TicketKind.NO_GAS, Urgency.NORMAL): (30, 240, 48),
}
POWER_SLA = {
    (TicketKind.POWER, Urgency.EMERGENCY): (5, 30, 6),
    (TicketKind.POWER, Urgency.URGENT): (15, 60, 12),
    (TicketKind.POWER, Urgency.NORMAL): (30, 180, 24),
}
GAS_KIT = [
    (KitKind.MASKS, "医用外科口罩", 400, 500, "只"),
    (KitKind.MASKS, "N95 口罩", 120, 100, "只"),
    (KitKind.SUITS, "医用防护服", 36, 60, "套"),
    (KitKind.DISINFECTANT, "84 消毒液", 40, 30, "瓶"),
    (KitKind.TOOLS, "燃气检漏仪", 8, 8, "台"),
    (KitKind.TOOLS, "抢修工具箱", 6, 6, "套"),
    (KitKind.VEHICLES, "抢修车", 3, 4, "辆"),
]
POWER_KIT = [
    (KitKind.MASKS, "医用外科口罩", 200, 200, "只"),
    (KitKind.SUITS, "医用防护服", 20, 20, "套"),
    (KitKind.TOOLS, "绝缘工具组", 4, 4, "套"),
    (KitKind.VEHICLES, "抢修车", 2, 2, "辆"),
]
GAS_PEOPLE = ["陈建国", "王海峰", "李志强", "张伟民", "刘晓东", "周卫国"]
POWER_PEOPLE = ["赵立新", "孙明华", "钱勇", "吴俊杰"]


def _actor(subdistrict: Any) -> Any:
    hq = User.objects.filter(subdistrict=subdistrict, role=Role.HQ, is_active=True).first()
    if hq is not None:
        return hq
    return User(username="demo", display_name="demo", is_superuser=True, subdistrict=subdistrict)


def _unit(
    sub: Any, hq: Any, name: str, kind: str, hotline: str, sla: dict, kit: list, people: list[str], login: str
) -> PartnerUnit:
    org = Organization.objects.create(subdistrict=sub, name=name, kind="partner_unit", address="上海市虹口区")
    unit = services.register_unit(actor=hq, organization=org, service_kind=kind, hotline=hotline)
    for (ticket_kind, urgency), (respond, arrive, resolve) in sla.items():
        services.set_service(
            actor=hq,
            unit=unit,
            kind=ticket_kind,
            urgency=urgency,
            respond_minutes=respond,
            arrive_minutes=arrive,
            resolve_hours=resolve,
        )
    for item_kind, item, count, required, label in kit:
        services.set_kit_item(
            actor=hq, unit=unit, kind=item_kind, name=item, count=count, required=required, unit_label=label
        )
    hasher = User(username="x")
    hasher.set_password(DEMO_PASSWORD)
    for i, person in enumerate(people):
        role = MemberRole.LEAD if i == 0 else MemberRole.DISPATCHER if i == 1 else MemberRole.CREW
        user = User.objects.create(
            username=f"{login}{i + 1}-{sub.code}".lower(),
            role=Role.ORG_CONTACT,
            display_name=person,
            subdistrict=sub,
            organization=org,
            password=hasher.password,
        )
        services.add_member(actor=hq, unit=unit, user=user, role=role)
    return unit


def _crew(unit: PartnerUnit, n: int = 2) -> Any:
    return list(unit.members.select_related("user").order_by("id"))[n].user


def _walk(
    ticket: Ticket, actor: Any, start: dt.datetime, steps: list[tuple[int, str, str]], **kw: Any
) -> Ticket:
    """Advance ``ticket`` through ``steps`` of (minutes after ``start``, state, note)."""
    for minutes, state, note in steps:
        ticket = services.advance(
            actor=actor,
            ticket=ticket,
            to_state=state,
            note=note,
            now=start + dt.timedelta(minutes=minutes),
            **kw,
        )
    return ticket


def seed(subdistrict: Any, *, rng: random.Random, scale: str) -> None:
    from fangkong.returnees.choices import IsolationMode, IsolationStatus
    from fangkong.returnees.models import Isolation

    hq = _actor(subdistrict)
    code = (subdistrict.code or "x").lower()
    gas = _unit(
        subdistrict, hq, "市北燃气", ServiceKind.GAS, "962777", GAS_SLA, GAS_KIT, GAS_PEOPLE, f"gas-{code}-"
    )
    power = _unit(
        subdistrict,
        hq,
        "市北供电",
        ServiceKind.POWER,
        "95598",
        POWER_SLA,
        POWER_KIT,
        POWER_PEOPLE,
        f"power-{code}-",
    )
    today = timezone.localdate()
    for unit in (gas, power):
        services.set_up_duty_roster(
            actor=hq,
            unit=unit,
            start_date=today - dt.timedelta(days=10),
            days=21,
            max_shifts_per_week=5,
            time_limit=5,
        )
    buildings = list(Building.objects.filter(subdistrict=subdistrict).order_by("pk")[:400])
    if not buildings:
        return
    local = timezone.get_current_timezone()

    # 1. The early-morning call to a building whose residents were in home isolation (about 5.5 hours).
    from django.db.models import Count

    isolated_ids = Isolation.objects.filter(
        subdistrict=subdistrict, status=IsolationStatus.ACTIVE, mode=IsolationMode.HOME
    ).values_list("building_id", flat=True)
    building = (
        Building.objects.filter(pk__in=isolated_ids)
        .annotate(flats=Count("households"))
        .order_by("-flats", "pk")
        .first()
        or buildings[0]
    )
    t0 = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(4, 40), tzinfo=local)
    ticket = services.open_ticket(
        actor=hq,
        building=building,
        kind=TicketKind.GAS_LEAK,
        urgency=Urgency.EMERGENCY,
        description="楼道内闻到明显燃气味，整栋居民居家隔离中。",
        building_wide=True,
        now=t0,
    )
    crew = _crew(gas)
    ticket = _walk(
        ticket,
        crew,
        t0,
        [
            (3, TicketState.RESPONDED, "值班抢修班组已出发，全套防护"),
            (24, TicketState.ON_SITE, "穿戴防护服、N95、护目镜进场；电话通知住户关门留在室内"),
            (95, TicketState.TEMP_FIX, "关闭总阀，查明泄漏点位于带电管线附近"),
        ],
    )
    ticket = services.advance(
        actor=crew,
        ticket=ticket,
        to_state=TicketState.REFERRED,
        unit=power,
        note="管线带电，转供电公司排查；燃气班组留守现场",
        now=t0 + dt.timedelta(minutes=110),
    )
    ticket = _walk(
        ticket,
        _crew(power),
        t0,
        [
            (122, TicketState.RESPONDED, "供电抢修接单"),
            (150, TicketState.ON_SITE, "供电抢修到场，全套防护"),
            (250, TicketState.FULL_REPAIR, "带电管线处理完毕，燃气班组更换泄漏管段"),
            (275, TicketState.SAFETY_CHECK, "逐户入户安全检查（无接触：住户开门后退回室内）"),
        ],
    )
    checks = list(ticket.flat_checks.order_by("room", "pk"))
    crew = _crew(power, 3)  # the ticket is the power company's now; both crews went door to door
    for i, check in enumerate(checks):
        if i == 3:
            services.check_flat(
                actor=crew,
                check=check,
                result=CheckResult.EXCEPTION,
                note="灶具软管老化，已更换",
                at=t0 + dt.timedelta(minutes=290),
            )
        else:
            services.check_flat(
                actor=crew, check=check, result=CheckResult.OK, at=t0 + dt.timedelta(minutes=280 + i)
            )
    services.advance(
        actor=_crew(power),
        ticket=ticket,
        to_state=TicketState.DONE,
        note="全部住户检查完毕，撤离现场",
        now=t0 + dt.timedelta(minutes=330),
    )

    # 2. A leak in a newly renovated flat: a temporary fix, the household's consent, then the full repair.
    flat = Household.objects.filter(subdistrict=subdistrict).exclude(building=building).order_by("pk").first()
    if flat is not None:
        t1 = dt.datetime.combine(today - dt.timedelta(days=6), dt.time(19, 5), tzinfo=local)
        ticket = services.open_ticket(
            actor=hq,
            building=flat.building,
            room=flat.room,
            kind=TicketKind.GAS_LEAK,
            urgency=Urgency.URGENT,
            description="新装修房屋厨房有燃气味。",
            now=t1,
        )
        crew = _crew(gas, 3)
        ticket = _walk(
            ticket,
            crew,
            t1,
            [
                (4, TicketState.RESPONDED, ""),
                (28, TicketState.ON_SITE, ""),
                (50, TicketState.TEMP_FIX, "临时封堵；管道被吊顶和橱柜包覆，需拆除后彻底维修"),
                (55, TicketState.AWAITING_CONSENT, "已向住户说明需拆除部分吊顶和橱柜"),
            ],
        )
        services.record_consent(actor=crew, ticket=ticket, who="户主", at=t1 + dt.timedelta(hours=14))
        _walk(
            ticket,
            crew,
            t1,
            [
                (14 * 60 + 30, TicketState.FULL_REPAIR, "住户同意，拆除吊顶更换管段"),
                (17 * 60, TicketState.DONE, "复测无泄漏"),
            ],
        )

    # 3. Open tickets: one about to breach its response time, one on site, one a resident's report.
    now = timezone.now()
    rng.shuffle(buildings)
    services.open_ticket(
        actor=hq,
        building=buildings[0],
        room="302",
        kind=TicketKind.GAS_LEAK,
        urgency=Urgency.URGENT,
        description="厨房燃气味",
        now=now - dt.timedelta(minutes=8),
    )
    t = services.open_ticket(
        actor=hq,
        building=buildings[1],
        room="501",
        kind=TicketKind.NO_GAS,
        urgency=Urgency.URGENT,
        description="整户无燃气",
        now=now - dt.timedelta(minutes=40),
    )
    _walk(
        t,
        _crew(gas, 4),
        now - dt.timedelta(minutes=40),
        [(6, TicketState.RESPONDED, ""), (31, TicketState.ON_SITE, "")],
    )
    services.open_ticket(
        actor=hq,
        building=buildings[2],
        room="101",
        kind=TicketKind.POWER,
        urgency=Urgency.NORMAL,
        description="楼道照明停电",
        now=now - dt.timedelta(minutes=15),
    )
    services.open_ticket(
        actor=None,
        building=buildings[3],
        room="1202",
        kind=TicketKind.NO_GAS,
        description="热水器打不着火",
        phone="13916880000",
        public_key=f"demo-{subdistrict.pk}",
        now=now - dt.timedelta(minutes=5),
    )

"""The care demo's stories from the seed article, beyond the care register and the materials counter:
郭文俊 of 公安街11弄2号401室 and his donations and their hand-outs (a heater to the volunteer point at the
虹教小区 gate, a disinfectant sprayer to the property firm, water and hand warmers to the volunteers, his own
masks to the committee), then his sign-up to volunteer at his compound's gate; about 300 volunteers, some
from the public sign-up, with service hours; the 7 February online briefing (微党课) of the community
party-building and development offices for about 200 members of 25 branches in 4 towers and 4 parks, four
speakers, two topics, a Q&A far past its planned 30 minutes; the 两新 organisations with 50+ party members
who forwarded the letter, handed out the guide and fed back screening."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

# The article's donations of 郭文俊: (item, unit, quantity, is_masks, hand-out target kind, where).
GUO_DONATION = (
    ("取暖器", "台", 1, False, "point", "虹教小区"),
    ("消毒喷雾器", "台", 1, False, "organization", "物业公司"),
    ("矿泉水", "箱", 2, False, "volunteers", ""),
    ("暖宝宝", "盒", 2, False, "volunteers", ""),
    ("口罩", "只", 50, True, "committee", ""),
)
GUO_ADDRESS = "公安街11弄2号401室"
VOLUNTEERS_TOTAL = 300


def briefing_day() -> dt.date:
    """The demo's 微党课 day. The article's was 7 February 2020; like the demo's other work it is placed in
    the last week, three days ago, so that the week's bulletin and the dashboard's trends carry it."""
    return timezone.localdate() - dt.timedelta(days=3)


BRIEFING_BRANCHES = 25  # the branches that took part, as the article counts them
BRIEFING_ABSENT = 2  # invited branches that did not attend (the page lists them)
BRIEFING_ATTENDEES = 200


def _inner(service: Any) -> Any:
    """A durable service's body without its own transaction: the demo seeds inside one transaction."""
    return getattr(service, "__wrapped__", service)


def seed_stories(subdistrict: Any, *, rng: random.Random, scale: str) -> None:
    from fangkong.registry.models import Compound

    gate = (
        Compound.objects.filter(subdistrict=subdistrict, name="虹教小区")
        .select_related("neighborhood")
        .first()
    )
    if gate is not None:
        guo = _guo_wenjun(subdistrict, gate, rng=rng)
        _guo_donations(subdistrict, gate, guo)
        _guo_signs_up(gate, guo, rng=rng)
    _volunteers(subdistrict, rng=rng, scale=scale)
    _briefing(subdistrict, rng=rng)
    _liangxin(subdistrict, rng=rng)


def _guo_wenjun(subdistrict: Any, gate: Any, *, rng: random.Random) -> tuple[Any, str]:
    """The resident 郭文俊 at 公安街11弄2号401室 in 虹教小区, with an ID number the sign-up repeats."""
    from fangkong.core import personal
    from fangkong.core.testing import make_id_number
    from fangkong.registry.models import Building, Household, Resident

    building, _ = Building.objects.get_or_create(
        subdistrict=subdistrict, neighborhood=gate.neighborhood, compound=gate, name="公安街11弄2号"
    )
    home, _ = Household.objects.get_or_create(
        subdistrict=subdistrict,
        neighborhood=gate.neighborhood,
        building=building,
        room="401",
        defaults={"address": GUO_ADDRESS},
    )
    number = make_id_number(rng)
    resident = Resident.objects.filter(household=home, name="郭文俊").first()
    if resident is None:
        resident = Resident(
            subdistrict=subdistrict, neighborhood=gate.neighborhood, household=home, name="郭文俊"
        )
        personal.set_columns(resident, {"id_number": number})
        resident.save()
    else:
        number = ""
    return resident, number


def _guo_donations(subdistrict: Any, gate: Any, guo: tuple[Any, str]) -> None:
    from fangkong.care import donations
    from fangkong.registry.models import Organization

    resident, _number = guo
    hood = gate.neighborhood
    firm = Organization.objects.filter(subdistrict=subdistrict, name__contains="物业").order_by(
        "pk"
    ).first() or Organization.objects.create(
        subdistrict=subdistrict, neighborhood=hood, name=f"{hood.name[:3]}物业管理有限公司", kind="enterprise"
    )
    day = briefing_day() - dt.timedelta(days=3)
    gift = _inner(donations.record_donation)(
        actor=None,
        subdistrict_id=subdistrict.pk,
        neighborhood=hood,
        donor_kind="resident",
        donor_resident=resident,
        donor_name="郭文俊",
        public_thanks=True,
        purpose="支援小区防疫志愿者和居委会",
        received_on=day,
        lines=[donations.Line(n, u, q, is_masks=m) for n, u, q, m, _k, _w in GUO_DONATION],
    )
    items = {ln.item.name: ln.item for ln in gift.lines.select_related("item")}
    for name, _unit, quantity, _masks, kind, _where in GUO_DONATION:
        _inner(donations.distribute)(
            actor=None,
            item=items[name],
            quantity=quantity,
            target_kind=kind,
            target_compound=gate if kind == "point" else None,
            target_organization=firm if kind == "organization" else None,
            target_name=""
            if kind in ("point", "organization")
            else ("小区志愿者" if kind == "volunteers" else f"{hood.name}居委会"),
            donation=gift,
            day=day,
        )


def _guo_signs_up(gate: Any, guo: tuple[Any, str], *, rng: random.Random) -> None:
    """郭文俊 signs up on the public page for his own compound's gate; the committee verifies him against the
    registry by his ID number's hash."""
    from fangkong.care import volunteers
    from fangkong.core import crypto
    from fangkong.core.testing import make_phone
    from fangkong.registry.models import Volunteer

    resident, number = guo
    if not number:
        return
    # the registry lists him among the volunteers already: the sign-up is how he came to be there
    known = (
        Volunteer.objects.filter(subdistrict=resident.subdistrict_id, name="郭文俊")
        .exclude(phone_enc="")
        .first()
    )
    phone = crypto.decrypt(known.phone_enc) if known is not None else make_phone(rng)
    signup = _inner(volunteers.sign_up)(
        data=volunteers.SignupInput(
            neighborhood=gate.neighborhood,
            compound=gate,
            name="郭文俊",
            phone=phone,
            id_number=number,
            skills=["gate"],
            weekdays=list(range(7)),
            availability="每天傍晚",
        ),
        public_key="demo:guo-wenjun",
    )
    _inner(volunteers.verify_signup)(actor=None, signup=signup, note="虹教小区门口志愿者服务点")


def _volunteers(subdistrict: Any, *, rng: random.Random, scale: str) -> None:
    """Some of the registry's volunteers came through the public sign-up (their sign-ups, verified against
    the registry or with the card seen), a few sign-ups still wait; service hours from check-ins over the
    last two weeks."""
    from fangkong.care import volunteers
    from fangkong.care.models import ServiceSession
    from fangkong.core import crypto
    from fangkong.core.testing import make_id_number
    from fangkong.registry.models import Compound, Volunteer

    pool: list[Any] = list(
        Volunteer.objects.filter(subdistrict=subdistrict, neighborhood__isnull=False)
        .exclude(phone_enc="")
        .exclude(name="郭文俊")
        .order_by("pk")
    )
    if not pool:
        return
    by_hood: dict[int, list[Any]] = {}
    for c in Compound.objects.filter(subdistrict=subdistrict).order_by("pk"):
        by_hood.setdefault(c.neighborhood_id, []).append(c)
    signed = rng.sample(pool, min(len(pool), 8 if scale == "tiny" else 60))
    for i, v in enumerate(signed):
        signup = _inner(volunteers.sign_up)(
            data=volunteers.SignupInput(
                neighborhood=v.neighborhood,
                compound=rng.choice(by_hood.get(v.neighborhood_id, [None])),
                name=v.name,
                phone=crypto.decrypt(v.phone_enc),
                id_number=make_id_number(rng),
                skills=rng.sample(["gate", "screening", "delivery"], rng.randrange(1, 3)),
                weekdays=sorted(rng.sample(range(7), rng.randrange(2, 7))),
                availability=rng.choice(["上午", "下午", "傍晚", "周末全天", ""]),
                says_party_member=v.is_party_member,
            ),
            public_key=f"demo:signup:{v.pk}",
        )
        if i % 10 != 9:  # one in ten is still waiting for the committee
            _inner(volunteers.verify_signup)(
                actor=None,
                signup=signup,
                is_party_member=v.is_party_member,
                party_branch=v.party_branch,
                seen_in_person=True,
            )
    now = timezone.now()
    sessions = []
    for v in rng.sample(pool, min(len(pool), 20 if scale == "tiny" else 120)):
        for _ in range(rng.randrange(1, 6)):
            start = now - dt.timedelta(days=rng.randrange(1, 15), hours=rng.randrange(0, 10))
            minutes = rng.choice([60, 90, 120, 180, 240, 360])
            sessions.append(
                ServiceSession(
                    subdistrict_id=subdistrict.pk,
                    neighborhood_id=v.neighborhood_id,
                    volunteer=v,
                    duty=rng.choice(["gate", "gate", "screening", "delivery"]),
                    started_at=start,
                    ended_at=start + dt.timedelta(minutes=minutes),
                    minutes=minutes,
                )
            )
    ServiceSession.objects.bulk_create(sessions, batch_size=1000)


def _briefing(subdistrict: Any, *, rng: random.Random) -> None:
    """The 7 February online briefing: 25 branches of the organisations in 4 office towers and 4 parks,
    about 200 members checked in (27 branches invited, two did not attend), four speakers, two topics, the Q&A far past
    the planned 30 minutes."""
    from fangkong.care import briefings
    from fangkong.registry.models import Organization, PartyBranch, Premises

    places = list(
        Premises.objects.filter(subdistrict=subdistrict, kind="office_tower").order_by("pk")[:4]
    ) + list(Premises.objects.filter(subdistrict=subdistrict, kind="business_park").order_by("pk")[:4])
    if not places:
        return
    branches = list(
        PartyBranch.objects.filter(subdistrict=subdistrict, organization__premises__in=places).order_by("pk")[
            : BRIEFING_BRANCHES + BRIEFING_ABSENT
        ]
    )
    orgs = Organization.objects.filter(premises__in=places).exclude(branches__isnull=False).order_by("pk")
    invited_count = BRIEFING_BRANCHES + BRIEFING_ABSENT
    branches = branches[:invited_count]
    for org in orgs[: invited_count - len(branches)]:
        branches.append(
            PartyBranch.objects.create(
                subdistrict=subdistrict,
                neighborhood_id=org.neighborhood_id,
                organization=org,
                name=f"{org.name}党支部",
            )
        )
    if not branches:
        return
    # Fewer organisations than branches (a small demo): the larger firms have a second or third branch.
    hosts = [b for b in branches if b.organization_id]
    n = 0
    while len(branches) < invited_count and hosts:
        host = hosts[n % len(hosts)]
        branches.append(
            PartyBranch.objects.create(
                subdistrict=subdistrict,
                neighborhood_id=host.neighborhood_id,
                organization_id=host.organization_id,
                name=f"{host.name}（第{n // len(hosts) + 2}支部）",
            )
        )
        n += 1
    expected = [rng.randrange(6, 12) for _ in branches]
    briefing = _inner(briefings.create_briefing)(
        actor=None,
        subdistrict_id=subdistrict.pk,
        title="战疫情、勇担当——楼宇园区党员微党课",
        organisers="社区党建办、社区发展办",
        day=briefing_day(),
        planned_minutes=30,
        speakers=["社区党委书记", "社区卫生服务中心医生", "区委党校讲师", "楼宇党建指导员"],
        topics=["新冠肺炎疫情防控知识", "两新组织党员在疫情防控中的先锋作用"],
        invited=list(zip(branches, expected, strict=True)),
    )
    attending = branches[:-BRIEFING_ABSENT] if len(branches) > BRIEFING_ABSENT else branches
    per_branch = max(BRIEFING_ATTENDEES // max(len(attending), 1), 1)
    total = 0
    for branch in attending:
        for k in range(per_branch - rng.randrange(0, 2)):
            if total >= BRIEFING_ATTENDEES:
                break
            _inner(briefings.check_in)(
                briefing=briefing, name=f"{branch.name[:4]}党员{k + 1}", branch_id=branch.pk
            )
            total += 1
    asked = [
        ("楼宇复工后，外地返沪员工怎么登记？", "通过场所码和健康登记表，居委和楼宇物业共同核实。"),
        ("党员能为居家隔离人员做些什么？", "可报名志愿者，承担代购、配送和电话问候。"),
        ("企业防疫物资紧缺，社区能否协调？", "登记需求后由社区统一对接捐赠物资。"),
        ("《给居民朋友的一封信》怎么转发到员工群？", ""),
        ("园区食堂能否恢复堂食？", ""),
        ("党员志愿服务时长怎么记录？", "在志愿者服务点签到签退，社区统一导出，作为表彰依据。"),
    ]
    for text, answer in asked:
        q = _inner(briefings.record_question)(
            actor=None, briefing=briefing, text=text, asked_by=rng.choice(["张", "李", "王", "陈"]) + "同志"
        )
        if answer:
            _inner(briefings.answer_question)(
                actor=None, question=q, answer=answer, answered_by="社区党委书记"
            )
    start = timezone.make_aware(dt.datetime.combine(briefing_day(), dt.time(19, 0)))
    _inner(briefings.record_times)(
        actor=None, briefing=briefing, started_at=start, ended_at=start + dt.timedelta(minutes=85)
    )


def _liangxin(subdistrict: Any, *, rng: random.Random) -> None:
    """两新 organisations with 50+ party members who forwarded the letter, handed out the guide, fed back
    screening and volunteered."""
    from fangkong.care import liangxin
    from fangkong.registry.models import Organization

    firms = list(
        Organization.objects.filter(
            subdistrict=subdistrict, kind__in=["enterprise", "new_social"], premises__isnull=False
        ).order_by("pk")[:12]
    )
    if not firms:
        return
    members = [rng.randrange(3, 9) for _ in firms]
    while sum(members) < 56:
        members[rng.randrange(len(members))] += 1
    day = briefing_day() - dt.timedelta(days=4)
    for firm, n in zip(firms, members, strict=True):
        org = _inner(liangxin.mark_organization)(
            actor=None,
            organization=firm,
            kind="social" if firm.kind == "new_social" else "economic",
            party_members=n,
            branch=firm.branches.order_by("pk").first(),
        )
        _inner(liangxin.record_deed)(
            actor=None, org=org, kind="letters", members=n, quantity=n * rng.randrange(20, 60), day=day
        )
        _inner(liangxin.record_deed)(
            actor=None,
            org=org,
            kind="guides",
            members=max(n - 1, 1),
            quantity=n * rng.randrange(10, 30),
            day=day + dt.timedelta(days=1),
        )
        if rng.random() < 0.5:
            _inner(liangxin.record_deed)(
                actor=None,
                org=org,
                kind="screening",
                members=max(n // 2, 1),
                quantity=rng.randrange(10, 80),
                day=day + dt.timedelta(days=2),
            )
        if rng.random() < 0.3:
            _inner(liangxin.record_deed)(
                actor=None,
                org=org,
                kind="volunteering",
                members=max(n // 3, 1),
                day=day + dt.timedelta(days=3),
            )

"""Demo data for inspections: the 社区发展办 office works here; the boundary at 万安路 (odd numbers north,
even south; the cross roads split by house number); the exempt categories; a 四经普 census list (about 2,000
firms at the sub-district scale) with some duplicates and some firms missing from it (added as on-site
findings); statuses, applications and the daily calls of the last days (no firm missed on most days, a few
missed on some)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from fangkong.core.choices import Domain, Role
from fangkong.core.spreadsheets import Report, Row
from fangkong.inspections import addresses
from fangkong.inspections.choices import CallOutcome, ExemptKind, FirmSource, FirmStatus, Parity, VisitState
from fangkong.inspections.imports import CensusFormat
from fangkong.inspections.models import (
    Call,
    ExemptCategory,
    Firm,
    StatusChange,
    SupervisionCase,
    Visit,
    ZoneRule,
)

OFFICE_NAME = "社区发展办"
CROSS_ROADS = ("沽源路", "汶水东路", "纪念路", "丰镇路", "奎照路", "水电路", "场中路", "广纪路", "车站南路")
EXEMPT = (
    (ExemptKind.CITY_OPERATIONS, "水电气、环卫、通信", "D44,D45,D46,N78,I63"),
    (ExemptKind.EPIDEMIC_SUPPLIES, "防护用品与药品", "C27,C1781,F5151,F5251"),
    (ExemptKind.DAILY_NECESSITIES, "超市、菜场、便利店、物流配送", "F5211,F5212,F5221,F5223,G60"),
    (ExemptKind.VITAL, "其他涉及重要国计民生", "C13,C14"),
)
INDUSTRY_CODES = (
    "I6510",
    "I6520",
    "L7212",
    "M7320",
    "F5132",
    "F5211",
    "F5261",
    "H6210",
    "H6110",
    "C3911",
    "C2770",
    "E4700",
    "K7020",
    "O8010",
    "R8890",
    "M7491",
    "F5151",
    "G6020",
)
WORDS_A = "江湾 万安 虹丰 新汇 沪北 联创 永昌 恒瑞 嘉禾 盛达 宏图 金桥 华亿 天合 瑞丰 鼎信 博远 中图 汇通 立新".split()
WORDS_B = "科技 信息 商贸 文化 咨询 餐饮 建筑 物流 设计 广告 电子 投资 医疗 教育 网络 贸易".split()
FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "工作室", "商行")


def census_size(scale: str) -> int:
    return 150 if scale == "tiny" else 2000


def _office(subdistrict: Any) -> None:
    from django.contrib.auth import get_user_model

    from fangkong.registry.models import Office

    for office in Office.objects.filter(subdistrict=subdistrict, name=OFFICE_NAME):
        if Domain.INSPECTIONS not in office.domains:
            office.domains = [*office.domains, Domain.INSPECTIONS]
            office.save(update_fields=["domains"])
    for user in get_user_model().objects.filter(
        subdistrict=subdistrict, role=Role.OFFICE, display_name=OFFICE_NAME
    ):
        if Domain.INSPECTIONS not in (user.domains or []):
            user.domains = [*(user.domains or []), Domain.INSPECTIONS]
            user.save(update_fields=["domains"])


def _boundary(subdistrict: Any) -> tuple[Any, Any]:
    from fangkong.registry.models import PatrolZone

    zones = {z.name: z for z in PatrolZone.objects.filter(subdistrict=subdistrict)}
    north, south = zones.get("万安路以北"), zones.get("万安路以南")
    if north is None or south is None:
        return None, None
    rules = [
        ZoneRule(
            subdistrict=subdistrict, road="万安路", parity=Parity.ODD, zone=north, note="万安路北侧（单号）"
        ),
        ZoneRule(
            subdistrict=subdistrict, road="万安路", parity=Parity.EVEN, zone=south, note="万安路南侧（双号）"
        ),
    ]
    for road in CROSS_ROADS:
        rules.append(ZoneRule(subdistrict=subdistrict, road=road, from_number=1, to_number=399, zone=north))
        rules.append(ZoneRule(subdistrict=subdistrict, road=road, from_number=400, zone=south))
    ZoneRule.objects.bulk_create(rules)
    ExemptCategory.objects.bulk_create(
        [ExemptCategory(subdistrict=subdistrict, kind=k, name=n, industry_prefixes=p) for k, n, p in EXEMPT]
    )
    return north, south


def census_rows(subdistrict: Any, rng: random.Random, size: int) -> list[dict[str, Any]]:
    """The census list: registry enterprises (by credit code, some left out: missing from the census) and
    generated firms, a few of them listed twice without a code (the duplicates)."""
    from fangkong.registry.demo import credit_code
    from fangkong.registry.models import Organization, Premises

    premises = list(Premises.objects.filter(subdistrict=subdistrict).order_by("pk"))
    rows: list[dict[str, Any]] = []
    for org in (
        Organization.objects.filter(subdistrict=subdistrict, kind__in=("enterprise", "shop"))
        .exclude(credit_code="")
        .order_by("pk")
    ):
        if rng.random() < 0.1:
            continue  # missing from the census
        rows.append(
            {
                "name": org.name,
                "credit_code": org.credit_code,
                "address": org.address,
                "industry_code": rng.choice(INDUSTRY_CODES),
                "legal_rep": org.contact_name,
                "employees": org.employees,
            }
        )
    used: set[str] = {r["credit_code"] for r in rows}
    names: set[str] = {r["name"] for r in rows}
    while len(rows) < size:
        name = f"上海{rng.choice(WORDS_A)}{rng.choice(WORDS_B)}{rng.choice(WORDS_A)}{rng.choice(FORMS)}"
        if name in names:
            continue
        names.add(name)
        if premises and rng.random() < 0.4:
            p = rng.choice(premises)
            address = f"{p.address}{p.name}{rng.randrange(2, 30)}层"
        else:
            road = rng.choice(("万安路", *CROSS_ROADS))
            address = f"{road}{rng.randrange(1, 800)}号"
        rows.append(
            {
                "name": name,
                "credit_code": credit_code(rng, "91", "310109", used),
                "address": address,
                "industry_code": rng.choice(INDUSTRY_CODES),
                "legal_rep": "",
                "employees": rng.choice((3, 8, 15, 40, 120)),
            }
        )
    for row in rng.sample(rows, max(2, size // 100)):  # the same unit listed again, without its code
        rows.append({**row, "credit_code": "", "name": row["name"].replace("有限公司", "有限责任公司")})
    return rows


def load_census(actor: Any, rows: list[dict[str, Any]]) -> None:
    """Write census rows through the census format's checks and writes (as its import would)."""
    fmt = CensusFormat()
    ctx = fmt.start(actor=actor, commit=True)
    report = Report()
    batch = [Row(number=i + 2, values={"phone": "", **r}) for i, r in enumerate(rows)]
    for start in range(0, len(batch), fmt.batch_size):
        part = batch[start : start + fmt.batch_size]
        fmt.check_batch(ctx, part, report)
        fmt.write_batch(ctx, [r for r in part if r.action in ("create", "update")], report)
    fmt.close(ctx)


def seed(subdistrict: Any, *, rng: random.Random, scale: str) -> None:
    from django.contrib.auth import get_user_model

    _office(subdistrict)
    _boundary(subdistrict)
    hq = get_user_model().objects.filter(subdistrict=subdistrict, role=Role.HQ).order_by("pk").first()
    if hq is None:
        return
    load_census(hq, census_rows(subdistrict, rng, census_size(scale)))
    _on_site_findings(subdistrict, rng)
    _statuses_and_calls(subdistrict, rng)
    _visits_and_cases(subdistrict, rng, hq)
    _patrols(subdistrict, rng, hq)
    _contact_firms(subdistrict)


def _on_site_findings(subdistrict: Any, rng: random.Random) -> None:
    """Firms the patrols found that the census does not list (source: found on site)."""
    from fangkong.registry.models import Organization

    names = ["万安路临街小吃店", "沽源路五金商行", "汶水东路快递站", "纪念路复印店", "场中路洗衣店"]
    for name in names:
        road = name[:4] if name[3] == "路" else name[:3]
        address = f"{road}{rng.randrange(1, 800)}号"
        org = Organization.objects.create(subdistrict=subdistrict, name=name, kind="shop", address=address)
        place = addresses.parse_address(address)
        Firm.objects.create(
            subdistrict=subdistrict,
            organization=org,
            source=FirmSource.ON_SITE,
            road=place.road,
            house_number=place.number,
            name_key=addresses.name_key(name),
            address_key=addresses.address_key(address),
        )


# The seed article's figures: 22 premises swept, 31 firms dissuaded, 452 health forms, 146 notices.
PREMISES_VISITED = 22
DISSUADED = 31
HEALTH_FORMS = 452
NOTICES = 146
CASES = 3


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _visits_and_cases(subdistrict: Any, rng: random.Random, hq: Any) -> None:
    """One submitted visit per premises (their forms and notices add up to the article's totals) and the
    dissuasions: firms found open early and dissuaded, three of them escalated to the supervision team."""
    from fangkong.inspections.services import office_callers
    from fangkong.registry.models import Premises

    now = timezone.now()
    today = timezone.localdate()
    premises = list(Premises.objects.filter(subdistrict=subdistrict).order_by("pk")[:PREMISES_VISITED])
    if not premises:
        return
    forms, notices = _split(HEALTH_FORMS, len(premises), rng), _split(NOTICES, len(premises), rng)
    teams = {"万安路以北": "万安路以北巡察队", "万安路以南": "万安路以南巡察队"}
    visits = []
    for i, p in enumerate(premises):
        day = today - dt.timedelta(days=1 + i % 7)
        visits.append(
            Visit(
                subdistrict=subdistrict,
                neighborhood_id=p.neighborhood_id,
                premises=p,
                team=teams.get(p.patrol_zone.name if p.patrol_zone_id else "", "巡察队"),
                visited_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10, i % 60))),
                day=day,
                checklist={
                    place: {"seen": True, "finding": ""}
                    for place in ("gate", "workshop", "warehouse", "dormitory")
                },
                entry_registration=True,
                disinfection=True,
                forms_handed=forms[i],
                notices_posted=notices[i],
                state=VisitState.SUBMITTED,
                step=7,
                client_token=f"demo-premises-{p.pk}",
            )
        )
    # firms in the premises first; at a small scale, other firms make up the article's number
    open_firms = (
        Firm.objects.filter(subdistrict=subdistrict, status=FirmStatus.NOT_RESUMED, merged_into__isnull=True)
        .select_related("organization")
        .order_by("pk")
    )
    inside = [f for f in open_firms if f.organization.premises_id in {p.pk for p in premises}]
    outside = [f for f in open_firms if f.organization.premises_id not in {p.pk for p in premises}]
    candidates = rng.sample(inside, min(DISSUADED, len(inside)))
    candidates += rng.sample(outside, min(DISSUADED - len(candidates), len(outside)))
    dissuaded = candidates
    changes, updated = [], []
    for j, firm in enumerate(dissuaded):
        day = today - dt.timedelta(days=1 + j % 7)
        visits.append(
            Visit(
                subdistrict=subdistrict,
                neighborhood_id=firm.neighborhood_id,
                firm=firm,
                premises_id=firm.organization.premises_id,
                team="巡察队",
                day=day,
                visited_at=timezone.make_aware(dt.datetime.combine(day, dt.time(14, j % 60))),
                checklist={"gate": {"seen": True, "finding": "员工已到岗开工"}},
                open_early=True,
                dissuaded=True,
                signature="signed" if j % 5 else "refused",
                state=VisitState.SUBMITTED,
                step=7,
                client_token=f"demo-firm-{firm.pk}",
            )
        )
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 30)))
        for a, b in ((FirmStatus.NOT_RESUMED, FirmStatus.EARLY), (FirmStatus.EARLY, FirmStatus.DISSUADED)):
            changes.append(
                StatusChange(
                    subdistrict=subdistrict,
                    firm=firm,
                    neighborhood_id=firm.neighborhood_id,
                    from_status=a,
                    to_status=b,
                    at=at,
                    reason="四进巡查",
                )
            )
        firm.status, firm.status_at, firm.follow_up_due = FirmStatus.DISSUADED, at, day + dt.timedelta(days=3)
        updated.append(firm)
    owners = office_callers(subdistrict.pk) or [hq]
    cases = []
    for k, firm in enumerate(updated[:CASES]):
        changes.append(
            StatusChange(
                subdistrict=subdistrict,
                firm=firm,
                neighborhood_id=firm.neighborhood_id,
                from_status=FirmStatus.DISSUADED,
                to_status=FirmStatus.SUPERVISED,
                at=now,
                reason="劝阻后仍坚持开工",
            )
        )
        firm.status = FirmStatus.SUPERVISED
        cases.append(
            SupervisionCase(
                subdistrict=subdistrict,
                neighborhood_id=firm.neighborhood_id,
                firm=firm,
                reason="劝阻后仍坚持开工",
                deadline=today + dt.timedelta(days=(-1, 2, 5)[k]),
                owner=owners[k % len(owners)],
            )
        )
    Visit.objects.bulk_create(visits)
    StatusChange.objects.bulk_create(changes)
    Firm.objects.bulk_update(updated, ["status", "status_at", "follow_up_due"])
    SupervisionCase.objects.bulk_create(cases)


def _statuses_and_calls(subdistrict: Any, rng: random.Random) -> None:
    from fangkong.inspections.services import office_callers

    now = timezone.now()
    today = timezone.localdate()
    firms = list(Firm.objects.filter(subdistrict=subdistrict, merged_into__isnull=True).order_by("pk"))
    changes, updates = [], []
    for firm in firms:
        roll = rng.random()
        if roll < 0.15 or firm.exempt_id:
            path = [FirmStatus.APPLIED, FirmStatus.APPROVED]
        elif roll < 0.25:
            path = [FirmStatus.APPLIED]
        else:
            path = []
        status = FirmStatus.NOT_RESUMED
        for to in path:
            changes.append(
                StatusChange(
                    subdistrict=subdistrict,
                    firm=firm,
                    neighborhood_id=firm.neighborhood_id,
                    from_status=status,
                    to_status=to,
                    at=now - dt.timedelta(days=1),
                    reason="演示数据",
                )
            )
            status = to
        if status != firm.status:
            firm.status = status
            updates.append(firm)
    StatusChange.objects.bulk_create(changes)
    Firm.objects.bulk_update(updates, ["status"])
    # the firms' rows were written "now": date them back so the last days' lists hold them
    Firm.objects.filter(subdistrict=subdistrict).update(created_at=now - dt.timedelta(days=8))
    callers = office_callers(subdistrict.pk)
    listed = [f for f in firms if f.status not in (FirmStatus.APPROVED, FirmStatus.RESUMED)]
    calls = []
    for back in range(7, 0, -1):
        day = today - dt.timedelta(days=back)
        missed = set(rng.sample([f.pk for f in listed], 3)) if back in (3, 5) and len(listed) > 3 else set()
        for i, firm in enumerate(listed):
            if firm.pk in missed:
                continue
            caller = callers[(firm.pk + day.toordinal()) % len(callers)] if callers else None
            calls.append(
                Call(
                    subdistrict=subdistrict,
                    firm=firm,
                    neighborhood_id=firm.neighborhood_id,
                    day=day,
                    caller=caller,
                    outcome=rng.choice((CallOutcome.REACHED, CallOutcome.REACHED, CallOutcome.NOT_REACHED)),
                    called_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9 + i % 8, i % 60))),
                )
            )
    Call.objects.bulk_create(calls, batch_size=2000)


PATROL_PEOPLE = {
    "万安路以北": (("王建华", "market"), ("李秀英", "market"), ("张伟东", "city"), ("刘海涛", "city")),
    "万安路以南": (("陈志强", "market"), ("杨丽萍", "market"), ("赵国庆", "city"), ("黄晓明", "city")),
}
ROUTES = {
    "万安路以北": ("万安路（单号）、沽源路、汶水东路", "纪念路北段、中图蓝桥、联合数字"),
    "万安路以南": ("万安路（双号）、场中路、1876老站创意园区", "元和投资大厦、沽源路南段、沿街商铺"),
}


def _patrols(subdistrict: Any, rng: random.Random, hq: Any) -> None:
    """The north and the south patrol teams split at 万安路: market regulation and city management people
    and two cadres each, a week of shifts solved by the pairing roster solver, the last days' rounds; the
    firms found on site are the findings of the first rounds."""
    from fangkong.inspections.choices import FindingKind
    from fangkong.inspections.models import PatrolFinding
    from fangkong.inspections.services import patrols
    from fangkong.registry.models import PatrolZone, SupportCadre

    today = timezone.localdate()
    zones = list(PatrolZone.objects.filter(subdistrict=subdistrict, name__in=PATROL_PEOPLE).order_by("name"))
    cadres = list(
        SupportCadre.objects.filter(subdistrict=subdistrict, duty_person__isnull=True).order_by("pk")[:4]
    )
    found = list(
        Firm.objects.filter(subdistrict=subdistrict, source=FirmSource.ON_SITE).select_related("organization")
    )
    for z, zone in enumerate(zones):
        team = patrols.create_patrol_team(actor=hq, zone=zone)
        for i, (name, dept) in enumerate(PATROL_PEOPLE[zone.name]):
            patrols.enrol_patrol_member(actor=hq, team=team, department=dept, name=name, leader=i == 0)
        for cadre in cadres[2 * z : 2 * z + 2]:
            patrols.enrol_patrol_member(actor=hq, team=team, department="cadre", cadre=cadre)
        patrols.roster_patrol_shifts(
            actor=hq, team=team, start_date=today - dt.timedelta(days=3), days=7, time_limit=5.0
        )
        for back in (3, 2, 1):
            day = today - dt.timedelta(days=back)
            findings = []
            if back == 2:
                findings.append(
                    {
                        "kind": FindingKind.OUTSIDERS,
                        "place": ROUTES[zone.name][1][:20],
                        "text": "外来人员未登记，已劝离",
                    }
                )
            patrol, _created = patrols.log_patrol_round(
                actor=hq,
                team=team,
                day=day,
                route=ROUTES[zone.name][back % 2],
                findings=findings,
                client_token=f"demo-patrol-{team.pk}-{back}",
            )
            if back == 3:  # the firms found on site (not in the census) came from the first rounds
                PatrolFinding.objects.bulk_create(
                    PatrolFinding(
                        subdistrict=subdistrict,
                        patrol=patrol,
                        kind=FindingKind.NEW_FIRM,
                        place=f.organization.address,
                        text="四经普名录中没有",
                        firm=f,
                        neighborhood_id=f.neighborhood_id,
                    )
                    for f in found[z::2]
                )


def _contact_firms(subdistrict: Any) -> None:
    """The organisations whose contacts sign in (the demo's 单位联系人) are firms of the list too, not yet
    resumed, with a few returnee declarations naming them as employer: the contact sees its own firm, its
    application and its staff's declarations."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    org_ids = set(
        get_user_model()
        .objects.filter(subdistrict=subdistrict, role=Role.ORG_CONTACT, organization__isnull=False)
        .values_list("organization_id", flat=True)
    )
    from fangkong.registry.models import Organization

    for org in Organization.objects.filter(pk__in=org_ids).exclude(firm__isnull=False):
        place = addresses.parse_address(org.address or "")
        Firm.objects.create(
            subdistrict=subdistrict,
            neighborhood_id=org.neighborhood_id,
            organization=org,
            source=FirmSource.STAFF,
            road=place.road,
            house_number=place.number,
            name_key=addresses.name_key(org.name),
            address_key=addresses.address_key(org.address or ""),
        )
        if apps.is_installed("fangkong.returnees"):
            declaration = apps.get_model("returnees", "Declaration")
            ids = list(
                declaration.objects.filter(subdistrict=subdistrict, employer__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:4]
            )
            declaration.objects.filter(pk__in=ids).update(employer=org, employer_name=org.name)

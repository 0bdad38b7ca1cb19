"""Demo data for the care app: about 300 elderly people living alone in care (fewer at tiny scale), taken
from the registry's oldest one-person households, each with a weekly delivery day and the visits of the last
weeks; a few weeks were missed, so the missed list and its alerts have something to show. The materials
counter: 452 《健康状况信息登记表》 handed out over the neighborhoods (the seed article's figure), the
《给居民朋友的一封信》 and 《疫情防控指南》 handed out by party branches."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Count
from django.utils import timezone

from fangkong.care.choices import CareReason, DeliveryOutcome, MaterialKind, Mobility, Welfare
from fangkong.care.models import CareRecord, Delivery, MaterialCount
from fangkong.care.rules import week_of

ITEMS = ["1876农庄有机蔬菜一箱", "蔬菜一袋、鸡蛋一盒", "蔬菜一袋、代配药品", "午餐盒饭"]


def seed(subdistrict: Any, *, rng: random.Random, scale: str) -> None:
    from fangkong.registry.models import Organization, Resident, Volunteer

    today = timezone.localdate()
    count = 30 if scale == "tiny" else 300
    people: list[Any] = list(
        Resident.objects.filter(subdistrict=subdistrict, birth_date__isnull=False)
        .annotate(n_home=Count("household__residents"))
        .filter(n_home=1)
        .order_by("birth_date", "pk")[:count]
    )
    if len(people) < count:
        seen = {p.pk for p in people}
        more = Resident.objects.filter(subdistrict=subdistrict, birth_date__isnull=False).order_by(
            "birth_date"
        )
        people += [p for p in more[: count * 2] if p.pk not in seen][: count - len(people)]
    if not people:
        return
    volunteers = list(Volunteer.objects.filter(subdistrict=subdistrict).order_by("pk")[:60])
    suppliers = list(Organization.objects.filter(subdistrict=subdistrict).order_by("pk")[:5])
    this_week = week_of(today)
    since = this_week - dt.timedelta(weeks=5)
    records = CareRecord.objects.bulk_create(
        CareRecord(
            subdistrict_id=subdistrict.pk,
            neighborhood_id=p.neighborhood_id,
            resident=p,
            reason=rng.choice(
                [CareReason.WIDOWED_CHILDLESS, CareReason.LIVING_ALONE, CareReason.LIVING_ALONE]
            ),
            lives_alone=True,
            mobility=rng.choice([Mobility.INDEPENDENT] * 3 + [Mobility.PARTIAL, Mobility.BEDRIDDEN]),
            needs=["vegetables"] + (["medicine"] if rng.random() < 0.3 else []),
            volunteer=rng.choice(volunteers) if volunteers else None,
            team="新南二党支部 · 物业党支部",
            supplier=rng.choice(suppliers) if suppliers else None,
            weekday=rng.randrange(0, 6),
            items=rng.choice(ITEMS),
            since=since,
        )
        for p in people
    )
    visits = []
    for rec in records:
        for back in range(5, -1, -1):
            week = this_week - dt.timedelta(weeks=back)
            day = week + dt.timedelta(days=rec.weekday or 0)
            if day >= today or rng.random() < 0.03:  # not due yet, or a missed week
                continue
            outcome = DeliveryOutcome.DELIVERED if rng.random() < 0.96 else DeliveryOutcome.NOT_HOME
            visits.append(
                Delivery(
                    subdistrict_id=subdistrict.pk,
                    neighborhood_id=rec.neighborhood_id,
                    record=rec,
                    day=day,
                    week_start=week,
                    outcome=outcome,
                    welfare=Welfare.UNKNOWN
                    if outcome == DeliveryOutcome.NOT_HOME
                    else (Welfare.UNWELL if rng.random() < 0.02 else Welfare.WELL),
                )
            )
    Delivery.objects.bulk_create(visits, batch_size=2000)
    _materials(subdistrict, rng=rng, today=today)
    from fangkong.care.demo_stories import seed_stories

    seed_stories(subdistrict, rng=rng, scale=scale)


HEALTH_FORMS_HANDED_OUT = 452


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _materials(subdistrict: Any, *, rng: random.Random, today: dt.date) -> None:
    from fangkong.registry.models import Neighborhood, PartyBranch

    hoods = list(Neighborhood.objects.filter(subdistrict=subdistrict).order_by("code", "pk")[:12])
    if not hoods:
        return
    rows = []
    for hood, handed in zip(hoods, _spread(HEALTH_FORMS_HANDED_OUT, len(hoods), rng), strict=True):
        rows.append(
            MaterialCount(
                subdistrict_id=subdistrict.pk,
                neighborhood=hood,
                kind=MaterialKind.HEALTH_FORM,
                day=today - dt.timedelta(days=rng.randrange(0, 5)),
                handed_out=handed,
                returned=max(0, handed - rng.randrange(0, 5)),
                by_name=f"{hood.name}居委会",
            )
        )
    branches = list(PartyBranch.objects.filter(subdistrict=subdistrict).order_by("pk")[:10])
    for branch in branches:
        for kind in (MaterialKind.LETTER, MaterialKind.GUIDE):
            rows.append(
                MaterialCount(
                    subdistrict_id=subdistrict.pk,
                    neighborhood_id=branch.neighborhood_id,
                    branch=branch,
                    kind=kind,
                    day=today - dt.timedelta(days=rng.randrange(0, 10)),
                    handed_out=rng.randrange(20, 120),
                    posted=rng.randrange(0, 10),
                    by_name=branch.name,
                )
            )
    MaterialCount.objects.bulk_create(rows)

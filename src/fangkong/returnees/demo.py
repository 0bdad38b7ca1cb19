"""Demo data for the returnees app: a few hundred declarations (most green, some in home isolation with their
reports over the last days, a couple of fevers with referrals), venues with QR codes at the hotel and the
elderly home with registrations and the elderly home's visit suspension. (The 《健康状况信息登记表》 counts are
the care app's materials counter and its demo.)"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fangkong.core.testing import make_id_number, make_phone
from fangkong.returnees import services
from fangkong.returnees.models import HealthReport, Isolation
from fangkong.returnees.services import DeclarationInput

ORIGINS = ["420100", "420500", "421000", "330100", "320500", "440300", "340100", "360100", "410100", "510100"]
TRANSPORT = [("rail", "G{n}"), ("air", "MU{n}"), ("coach", "K{n}"), ("self_drive", "沪A{n}")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"


def seed(subdistrict: Any, *, rng: random.Random, scale: str) -> None:
    from fangkong.registry.models import Building, Organization

    today = timezone.localdate()
    now = timezone.now()
    buildings = list(Building.objects.filter(subdistrict=subdistrict).order_by("pk")[:400])
    if not buildings:
        return
    count = 60 if scale == "tiny" else 300
    isolated: list[Isolation] = []
    for _n in range(count):
        origin = rng.choice(ORIGINS[:3]) if rng.random() < 0.35 else rng.choice(ORIGINS[3:])
        mode, pattern = rng.choice(TRANSPORT)
        arrival = today - dt.timedelta(days=rng.randrange(0, 16 if origin.startswith("42") else 20))
        data = DeclarationInput(
            building_id=rng.choice(buildings).pk,
            room=f"{rng.randrange(1, 20)}{rng.randrange(1, 5):02d}",
            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else ""),
            id_number=make_id_number(rng),
            phone=make_phone(rng),
            origin_code=origin,
            transport=mode,
            transport_number=pattern.format(n=rng.randrange(100, 9999)),
            departure_date=arrival - dt.timedelta(days=rng.randrange(0, 2)),
            arrival_date=arrival,
            key_area=origin.startswith("42"),
            exposure=rng.random() < 0.03,
            household_members=[{"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "relation": "配偶"}]
            if rng.random() < 0.4
            else [],
        )
        source = rng.choice(["public", "staff", "import"])
        result = services.declare_return(actor=None, data=data, source=source, now=now)
        if result.isolation is not None and result.created:
            isolated.append(result.isolation)
    # Reports over the last days (up to yesterday, and this morning for most).
    reports: list[HealthReport] = []
    local = timezone.localtime()
    fever_people = {iso.pk for iso in isolated[:2]}
    # one person certainly missed yesterday afternoon's report: a fresh demo's worker turns it into a
    # follow-up task and a missed-report alert by itself
    yesterday = today - dt.timedelta(days=1)
    missed = next((i.pk for i in isolated[2:] if i.start_date <= yesterday <= i.end_date), None)
    for iso in isolated:
        day = iso.start_date
        while day <= today:
            for slot in ("am", "pm"):
                if day == today and (
                    slot == "pm" or local.hour < 12 or rng.random() < 0.15 or iso.pk in fever_people
                ):
                    continue
                if rng.random() < 0.03 or (iso.pk == missed and day == yesterday and slot == "pm"):
                    continue  # a missed report
                reports.append(
                    HealthReport(
                        subdistrict_id=iso.subdistrict_id,
                        neighborhood_id=iso.neighborhood_id,
                        isolation=iso,
                        day=day,
                        slot=slot,
                        temperature=Decimal(str(round(36.1 + rng.random() * 0.9, 1))),
                        source="self",
                    )
                )
            day += dt.timedelta(days=1)
    HealthReport.objects.bulk_create(reports, batch_size=1000, ignore_conflicts=True)
    # A couple of fevers today, through the service (alert and referral).
    for iso in isolated:
        if iso.pk in fever_people and iso.end_date >= today:
            services.submit_report(
                actor=None, isolation=iso, temperature=rng.choice(["37.6", "38.1"]), now=now
            )
    # Venues: the hotel and the elderly home (and an office tower), with registrations.
    hotel = Organization.objects.filter(subdistrict=subdistrict, kind="hotel").order_by("pk").first()
    home = Organization.objects.filter(subdistrict=subdistrict, kind="elderly_home").order_by("pk").first()
    venues = []
    for org in (hotel, home):
        if org is not None:
            venues.append(services.ensure_venue(actor=None, organization=org))
    from fangkong.registry.models import Premises

    tower = Premises.objects.filter(subdistrict=subdistrict).order_by("pk").first()
    if tower is not None:
        venues.append(services.ensure_venue(actor=None, premises=tower))
    for venue in venues:
        for i in range(rng.randrange(8, 16)):
            services.register_visit(
                actor=None,
                venue=venue,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                phone=make_phone(rng),
                temperature=str(round(36.0 + rng.random() * 1.0, 1)),
                key_area_14d=rng.random() < 0.05,
                submission_id=f"demo-{venue.pk}-{i}",
                now=now - dt.timedelta(minutes=rng.randrange(0, 600)),
            )
    if home is not None:
        home_venue = next(v for v in venues if v.organization_id == home.pk)
        services.suspend_visits(
            actor=None, venue=home_venue, from_date=today + dt.timedelta(days=1), note="疫情期间暂停家属探视"
        )

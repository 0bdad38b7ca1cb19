"""Persona expectations for the returnee pages and API (format: ``fangkong.core.tests.matrix``).

The world holds a declaration from Wuhan in building A with its home isolation and personal report link, a
fever report with its referral, a follow-up task, a risk rule, and the venue of the organisation in A.
"""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

from fangkong.core.testing import make_id_number, make_phone
from fangkong.core.tests.matrix import ALLOWED, LOGIN, Case, answers


def build(w: SimpleNamespace) -> None:
    from django.utils import timezone

    from fangkong.core.testing import make_id_number, make_phone
    from fangkong.returnees import services
    from fangkong.returnees.models import FollowUpTask, Referral, RiskRule
    from fangkong.returnees.services import DeclarationInput

    rng = random.Random(29)
    today = timezone.localdate()
    rng_id, rng_phone = make_id_number(rng), make_phone(rng)
    result = services.declare_return(
        actor=w.staff_a,
        data=DeclarationInput(
            building_id=w.building_a.pk,
            room="502",
            name="张三",
            id_number=rng_id,
            phone=rng_phone,
            origin_code="420100",
            transport="rail",
            transport_number="G1234",
            departure_date=today - dt.timedelta(days=3),
            arrival_date=today - dt.timedelta(days=2),
        ),
    )
    w.declaration_a, w.isolation_a, w.report_token = result.declaration, result.isolation, result.token
    # A public repeat of that trip with another room: a pending amendment for staff A's neighborhood.
    repeat = services.declare_return(
        actor=None,
        source="public",
        data=DeclarationInput(
            building_id=w.building_a.pk,
            room="503",
            name="张三",
            id_number=rng_id,
            phone=rng_phone,
            origin_code="420100",
            transport="rail",
            transport_number="G1234",
            departure_date=today - dt.timedelta(days=3),
            arrival_date=today - dt.timedelta(days=2),
        ),
    )
    w.amendment_a = repeat.amendment
    services.submit_report(actor=None, isolation=w.isolation_a, temperature="37.8")
    w.referral_a = Referral.objects.filter(isolation=w.isolation_a).first()
    w.followup_a = FollowUpTask.objects.create(
        subdistrict=w.sub,
        isolation=w.isolation_a,
        neighborhood=w.hood_a,
        building=w.building_a,
        day=today,
        slot="pm",
        assignee=w.staff_a,
    )
    w.rule = RiskRule.objects.create(
        subdistrict=w.sub,
        name="湖北来沪",
        kind="key_area",
        level="yellow",
        action="home_isolation",
        days=14,
        region_prefixes="42",
        priority=5,
        effective_from=today - dt.timedelta(days=10),
    )
    w.venue_a = services.ensure_venue(actor=w.hq, organization=w.org_a)


EXPECTATIONS: dict[str, Case] = {
    "returnees:board": Case(get=answers(200, org_contact=404, office=404, anonymous=LOGIN)),
    "returnees:declaration_list": Case(get=answers(200, org_contact=404, office=404, anonymous=LOGIN)),
    "returnees:declaration_new": Case(
        get=answers(200, org_contact=404, office=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, office=404, anonymous=LOGIN),
    ),
    "returnees:declaration_poster": Case(get=answers(200, org_contact=404, office=404, anonymous=LOGIN)),
    "returnees:declaration_detail": Case(
        kwargs=lambda w: {"pk": w.declaration_a.pk},
        get=answers(200, staff_b=404, org_contact=404, office=404, other_hq=404, anonymous=LOGIN),
    ),
    "returnees:declaration_resolve_duplicate": Case(
        kwargs=lambda w: {"pk": w.declaration_a.pk},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, anonymous=LOGIN),  # declaration_a is not a duplicate: nothing to resolve
    ),
    "returnees:declaration_isolate": Case(
        kwargs=lambda w: {"pk": w.declaration_a.pk},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN),
    ),
    "returnees:amendment_list": Case(get=answers(200, org_contact=404, office=404, anonymous=LOGIN)),
    "returnees:amendment_detail": Case(
        kwargs=lambda w: {"pk": w.amendment_a.pk},
        get=answers(200, staff_b=404, org_contact=404, office=404, other_hq=404, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN),
    ),
    "returnees:isolation_list": Case(get=answers(200, org_contact=404, office=404, anonymous=LOGIN)),
    "returnees:isolation_detail": Case(
        kwargs=lambda w: {"pk": w.isolation_a.pk},
        get=answers(200, staff_b=404, org_contact=404, office=404, other_hq=404, anonymous=LOGIN),
    ),
    "returnees:isolation_action": Case(
        kwargs=lambda w: {"pk": w.isolation_a.pk, "action": "extend"},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN),
    ),
    "returnees:referral_outcome": Case(
        kwargs=lambda w: {"pk": w.referral_a.pk},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN),
    ),
    "returnees:task_done": Case(
        kwargs=lambda w: {"pk": w.followup_a.pk},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN),
    ),
    "returnees:rule_list": Case(get=answers(404, hq=200, other_hq=200, anonymous=LOGIN)),
    "returnees:rule_new": Case(
        get=answers(404, hq=200, other_hq=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN),
    ),
    "returnees:rule_edit": Case(
        kwargs=lambda w: {"pk": w.rule.pk},
        get=answers(404, hq=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, anonymous=LOGIN),
    ),
    "returnees:venue_list": Case(get=answers(200, office=404, anonymous=LOGIN)),
    "returnees:venue_create": Case(get=answers(405, anonymous=LOGIN), post=answers(404, anonymous=LOGIN)),
    "returnees:venue_detail": Case(
        kwargs=lambda w: {"pk": w.venue_a.pk},
        get=answers(200, staff_b=404, office=404, other_hq=404, anonymous=LOGIN),
    ),
    "returnees:venue_suspend": Case(
        kwargs=lambda w: {"pk": w.venue_a.pk},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, org_contact=ALLOWED, anonymous=LOGIN),
    ),
    "returnees:venue_poster": Case(
        kwargs=lambda w: {"pk": w.venue_a.pk},
        get=answers(200, staff_b=404, office=404, other_hq=404, anonymous=LOGIN),
    ),
    "returnees:public_declare": Case(
        kwargs=lambda w: {"subdistrict_id": w.sub.pk},
        get=answers(200),
        post=answers(ALLOWED),
    ),
    "returnees:public_compounds": Case(kwargs=lambda w: {"subdistrict_id": w.sub.pk}, get=answers(200)),
    "returnees:public_buildings": Case(kwargs=lambda w: {"subdistrict_id": w.sub.pk}, get=answers(200)),
    "returnees:report": Case(
        kwargs=lambda w: {"token": w.report_token},
        get=answers(200),
        post=answers(ALLOWED),
    ),
    "returnees:checkin": Case(
        kwargs=lambda w: {"code": w.venue_a.code},
        get=answers(200),
        post=answers(ALLOWED),
    ),
    "GET /api/v1/returnees/declarations": Case(get=answers(200, org_contact=404, office=404, anonymous=401)),
    "POST /api/v1/returnees/declarations": Case(
        post=answers(ALLOWED, org_contact=404, office=404, anonymous=401),
        data=lambda w: {
            "building_id": w.building_a.pk,
            "room": "601",
            "name": "李四",
            "id_number": make_id_number(),
            "phone": make_phone(),
            "origin_code": "420100",
            "transport": "rail",
            "departure_date": str(dt.date.today() - dt.timedelta(days=3)),
            "arrival_date": str(dt.date.today() - dt.timedelta(days=1)),
        },
    ),
    "GET /api/v1/returnees/declarations/{pk}": Case(
        kwargs=lambda w: {"pk": w.declaration_a.pk},
        get=answers(200, staff_b=404, org_contact=404, office=404, other_hq=404, anonymous=401),
    ),
    "GET /api/v1/returnees/isolations": Case(get=answers(200, org_contact=404, office=404, anonymous=401)),
    "POST /api/v1/returnees/isolations/{pk}/reports": Case(
        kwargs=lambda w: {"pk": w.isolation_a.pk},
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=401),
        data=lambda w: {"temperature": "36.6"},
    ),
    "GET /api/v1/returnees/board": Case(get=answers(200, org_contact=404, office=404, anonymous=401)),
    "GET /api/v1/returnees/figures": Case(
        get=answers(200, org_contact=404, office=404, viewer=404, anonymous=401),
    ),
    "GET /api/v1/returnees/venues/{pk}/visits": Case(
        kwargs=lambda w: {"pk": w.venue_a.pk},
        get=answers(200, staff_b=404, office=404, other_hq=404, anonymous=401),
    ),
    "POST /api/v1/returnees/public/checkin/{code}": Case(
        kwargs=lambda w: {"code": w.venue_a.code},
        post=answers(ALLOWED),
        data=lambda w: {"name": "李四", "phone": make_phone(), "temperature": "36.5"},
    ),
    "POST /api/v1/returnees/public/report/{token}": Case(
        kwargs=lambda w: {"token": w.report_token},
        post=answers(ALLOWED),
        data=lambda w: {"temperature": "36.6"},
    ),
}

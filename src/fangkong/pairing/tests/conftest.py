from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from fangkong.core.choices import Role
from fangkong.core.testing import make_user
from fangkong.pairing import services
from fangkong.pairing.models import Point
from fangkong.registry.models import (
    CommitteeStaff,
    LineDepartment,
    PartyBranch,
    Premises,
    SupportCadre,
    Volunteer,
)


@pytest.fixture
def pw(world):
    """The persona world plus pairing data: points for A and B and a premises, cadres, and the world's
    cadre user linked to a SupportCadre paired to neighborhood A."""
    w = world
    p = SimpleNamespace(w=w)
    services.ensure_points(actor=w.hq, subdistrict=w.sub)
    p.point_a = Point.objects.get(neighborhood=w.hood_a, kind="neighborhood")
    p.point_b = Point.objects.get(neighborhood=w.hood_b, kind="neighborhood")
    p.premises = Premises.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_b, name="江湾商务楼", kind="office_tower"
    )
    p.point_unit = services.add_unit_point(actor=w.hq, subdistrict=w.sub, premises=p.premises)
    p.market = LineDepartment.objects.create(
        district=w.district, name="区市场监管局", kind="market_regulation"
    )
    p.cadre_a = SupportCadre.objects.create(subdistrict=w.sub, name="张老师", department=w.dept, user=w.cadre)
    p.cadre_b_user = make_user("cadre_b", Role.CADRE, subdistrict=w.sub, display_name="干部B")
    p.cadre_b = SupportCadre.objects.create(
        subdistrict=w.sub, name="李科员", department=p.market, user=p.cadre_b_user, home_neighborhood=w.hood_a
    )
    p.pairing_a = services.pair_cadre(actor=w.hq, cadre=p.cadre_a, point=p.point_a)
    p.staff_a_person = CommitteeStaff.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_a, name="王社工", user=w.staff_a, is_party_member=True
    )
    p.branch = PartyBranch.objects.create(
        subdistrict=w.sub, name="区支援力量临时支部", kind="temporary", is_temporary=True
    )
    p.today = dt.date.today()
    return p


@pytest.fixture
def roster_world(pw):
    w = pw.w
    gate = services.create_shift_template(
        actor=w.hq,
        point=pw.point_a,
        name="门岗白班",
        start_time=dt.time(7),
        end_time=dt.time(19),
        head_count=1,
    )
    night = services.create_shift_template(
        actor=w.hq,
        point=pw.point_a,
        name="门岗夜班",
        start_time=dt.time(19),
        end_time=dt.time(7),
        head_count=1,
    )
    people = [services.add_duty_person(actor=w.hq, subdistrict=w.sub, cadre=pw.cadre_a)]
    for i in range(3):
        v = Volunteer.objects.create(subdistrict=w.sub, neighborhood=w.hood_a, name=f"志愿者{i}")
        people.append(services.add_duty_person(actor=w.hq, subdistrict=w.sub, volunteer=v))
    roster = services.create_roster(
        actor=w.hq,
        subdistrict=w.sub,
        name="安汾门岗",
        start_date=dt.date.today(),
        end_date=dt.date.today() + dt.timedelta(days=6),
        templates=[gate, night],
        people=people,
        neighborhood=w.hood_a,
    )
    pw.gate, pw.night, pw.people, pw.roster = gate, night, people, roster
    return pw


@pytest.fixture(autouse=True)
def _chinese():
    """Messages are asserted in the source language, whatever an earlier test left active."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield

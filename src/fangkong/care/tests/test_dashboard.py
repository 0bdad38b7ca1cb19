"""The care figures on the HQ dashboard against a hand-built fixture: deliveries and the unwell among them,
who is missing this week's delivery, materials handed out, and the 微党课's attendees and branches (distinct),
each equal to the list it links to; staff of another neighborhood count none of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from fangkong.care import briefings, materials, services
from fangkong.care.choices import DeliveryOutcome, MaterialKind, Welfare
from fangkong.care.tests.test_briefings import branches, briefing  # noqa: F401
from fangkong.command import board

pytestmark = pytest.mark.django_db

DAY = dt.date(2020, 2, 7)  # a Friday
TOTAL_RE = re.compile(r"data-total>(\d+)<")


def test_the_care_figures_match_the_hand_built_fixture(world, in_care, branches, briefing, client):  # noqa: F811
    monday_people = in_care(3, weekday=0, since=DAY - dt.timedelta(days=30))
    services.record_delivery(
        actor=world.staff_a, record=monday_people[0], outcome=DeliveryOutcome.DELIVERED, day=DAY
    )
    services.record_delivery(
        actor=world.staff_a,
        record=monday_people[1],
        outcome=DeliveryOutcome.DELIVERED,
        welfare=Welfare.UNWELL,
        day=DAY,
    )
    materials.record_materials(
        actor=world.staff_a,
        subdistrict_id=world.sub.pk,
        neighborhood=world.hood_a,
        kind=MaterialKind.HEALTH_FORM,
        day=DAY,
        handed_out=452,
    )
    materials.record_materials(
        actor=world.staff_a,
        subdistrict_id=world.sub.pk,
        neighborhood=world.hood_a,
        kind=MaterialKind.LETTER,
        day=DAY,
        handed_out=50,
    )
    for name in ("张三", "李四", "王五"):
        briefings.check_in(briefing=briefing, name=name, branch_id=branches[0].pk)
    briefings.check_in(briefing=briefing, name="赵六", branch_id=branches[1].pk)

    b = board.compute(world.hq, DAY)
    assert b.value("care.deliveries") == 2 and b.value("care.deliveries_unwell") == 1
    # Monday's visit of the third person was due and never made; the first two were reached on Friday.
    assert b.value("care.deliveries_missed") == 1
    assert b.value("care.materials.health_form") == 452 and b.value("care.materials.letter") == 50
    assert b.value("care.briefing_attendees") == 4 and b.value("care.briefing_branches") == 2

    client.force_login(world.hq)
    for key in (
        "care.deliveries",
        "care.deliveries_missed",
        "care.briefing_attendees",
        "care.briefing_branches",
    ):
        page = client.get(b.link(key))
        assert page.status_code == 200, key
        assert int(TOTAL_RE.search(page.content.decode()).group(1)) == b.value(key), key
    assert (
        "data-row"
        in client.get(
            reverse("command:figure", args=["care.deliveries_missed"]) + f"?day={DAY}"
        ).content.decode()
    )

    other = board.compute(world.staff_b, DAY)
    assert other.value("care.deliveries") == 0 and other.value("care.materials.health_form") == 0

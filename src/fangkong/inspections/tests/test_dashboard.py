"""The inspections figures of the HQ dashboard (``core.catalogue``) against a hand-built fixture: each equals
what the fixture holds and the drill-down list it links to; a period's sums count premises and firms, not
visits; the call-list laggards and the day's events."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from fangkong.command import board, bulletin
from fangkong.inspections.choices import FirmStatus, VisitState
from fangkong.inspections.models import Firm, Visit
from fangkong.registry.models import Organization, Premises

pytestmark = pytest.mark.django_db
TOTAL_RE = re.compile(r"data-total>(\d+)<")


def _visit(world, day, *, hood, premises=None, firm=None, token, **fields):
    return Visit.objects.create(
        subdistrict=world.sub,
        neighborhood=hood,
        premises=premises,
        firm=firm,
        day=day,
        visited_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
        state=fields.pop("state", VisitState.SUBMITTED),
        client_token=token,
        **fields,
    )


@pytest.fixture
def fixture(world):
    """Today: premises P1 (A) visited for the first time (again later the same day), P2 (B) visited again
    after a first visit yesterday; firm F1 (A) dissuaded today, F2 (A) dissuaded yesterday and again today;
    a draft visit that counts nothing. Forms 10+5+3, notices 2+1 today."""
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    p1 = Premises.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, name="中图蓝桥")
    p2 = Premises.objects.create(subdistrict=world.sub, neighborhood=world.hood_b, name="联合数字")
    f1 = Firm.objects.create(
        subdistrict=world.sub,
        neighborhood=world.hood_a,
        organization=world.org_a,
        status=FirmStatus.DISSUADED,
    )
    org2 = Organization.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, name="二号公司")
    f2 = Firm.objects.create(
        subdistrict=world.sub, neighborhood=world.hood_a, organization=org2, status=FirmStatus.EARLY
    )
    hood_a, hood_b = world.hood_a, world.hood_b
    _visit(world, today, hood=hood_a, premises=p1, token="v1", forms_handed=10, notices_posted=2)
    _visit(world, today, hood=hood_a, premises=p1, token="v2", forms_handed=5)
    _visit(world, yesterday, hood=hood_b, premises=p2, token="v3", forms_handed=7)
    _visit(world, today, hood=hood_b, premises=p2, token="v4", notices_posted=1)
    _visit(world, today, hood=hood_a, firm=f1, token="v5", open_early=True, dissuaded=True, forms_handed=3)
    _visit(world, yesterday, hood=hood_a, firm=f2, token="v6", open_early=True, dissuaded=True)
    _visit(world, today, hood=hood_a, firm=f2, token="v7", open_early=True, dissuaded=True)
    _visit(world, today, hood=hood_a, firm=f2, token="v8", state=VisitState.DRAFT, forms_handed=99)
    return world


EXPECTED = {  # key: (sub-district, A, B) today
    "inspections.premises_visited": (1, 1, 0),
    "inspections.firms_dissuaded": (1, 1, 0),
    "inspections.visits": (5, 4, 1),
    "inspections.early_openings": (2, 2, 0),
    "inspections.forms_handed_out": (18, 18, 0),
    "inspections.notices_posted": (3, 2, 1),
    "inspections.firms_open_early": (1, 1, 0),
    "inspections.firms_supervised": (0, 0, 0),
}


def test_figures_match_the_fixture_and_their_lists(fixture, client):
    w = fixture
    b = board.compute(w.hq, timezone.localdate())
    for key, (total, in_a, in_b) in EXPECTED.items():
        got = (b.value(key), b.value(key, w.hood_a.pk), b.value(key, w.hood_b.pk))
        assert got == (total, in_a, in_b), key
    client.force_login(w.hq)
    for key in EXPECTED:
        for hood in (board.TOTAL, w.hood_a.pk, w.hood_b.pk):
            page = client.get(b.link(key, hood))
            assert page.status_code == 200, key
            assert int(TOTAL_RE.search(page.content.decode()).group(1)) == b.value(key, hood), (key, hood)
    # committee staff of B see B only; another sub-district's HQ nothing
    staff_b = board.compute(w.staff_b, timezone.localdate())
    assert staff_b.value("inspections.visits") == 1 and staff_b.value("inspections.firms_dissuaded") == 0
    assert board.compute(w.other_hq, timezone.localdate()).value("inspections.visits") == 0


def test_yesterday_counts_the_first_visits_and_a_period_sums_premises_not_visits(fixture):
    w = fixture
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    b = board.compute(w.hq, yesterday)
    assert b.value("inspections.premises_visited") == 1 and b.value("inspections.firms_dissuaded") == 1
    from fangkong.core import figures

    figures.snapshot(yesterday, subdistrict_ids=[w.sub.pk])  # the nightly snapshot; today counts live
    text = bulletin.compose_bulletin(w.sub, yesterday, timezone.localdate()).plain()
    # two premises and two firms over the two days, whatever the number of visits
    assert "走访楼宇（园区）2处" in text and "劝阻2家企业暂停营业" in text and "张贴《告知单》3份" in text


def test_the_call_list_laggards_and_the_day_events(fixture):
    from fangkong.core import catalogue

    w = fixture
    lag = [x for x in catalogue.laggards(w.hq, timezone.localdate()) if "电话" in str(x.what)]
    assert sum(x.count for x in lag) == Firm.objects.filter(subdistrict=w.sub).count()
    assert not [x for x in catalogue.laggards(w.staff_a, timezone.localdate()) if "电话" in str(x.what)]
    events = [e for e in catalogue.events(w.sub.pk, timezone.localdate()) if str(e.kind) == "劝阻停工"]
    assert len(events) == 2 and all("二号公司" in e.text or w.org_a.name in e.text for e in events)

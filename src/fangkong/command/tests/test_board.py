"""The dashboard's figures against a hand-built fixture: each equals what the fixture holds, and each equals
the count of the drill-down list it links to, for every reader and neighborhood; the number of queries does
not grow with the data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.command import board
from fangkong.core import catalogue
from fangkong.masks.tests.conftest import People, open_round
from fangkong.pairing import services as pairing_services
from fangkong.pairing.choices import RoundStatus
from fangkong.pairing.models import CheckInRound
from fangkong.pairing.tests.conftest import pw  # noqa: F401
from fangkong.registry.models import Building
from fangkong.returnees import services as returnee_services
from fangkong.returnees.tests.conftest import make_input  # noqa: F401

pytestmark = pytest.mark.django_db

TOTAL_RE = re.compile(r"data-total>(\d+)<")


@pytest.fixture
def fixture(pw, make_input):  # noqa: F811
    """Neighborhood A: building A owned by a cadre, 4 check-in rounds today (1 done, 1 overdue), a returnee in
    isolation with a fever, a mask booking waiting. Neighborhood B: building B with no owner, a returnee in
    isolation, a mask booking waiting."""
    w = pw.w
    day = timezone.localdate()
    lift = pairing_services.create_task_template(actor=w.hq, subdistrict=w.sub, name="电梯消毒", frequency=2)
    pairing_services.apply_template(actor=w.hq, template=lift)
    pairing_services.assign_building(actor=w.hq, building=w.building_a, cadre=pw.cadre_a)
    pairing_services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=day, days=1)
    rounds = list(CheckInRound.objects.filter(neighborhood=w.hood_a, date=day).order_by("pk"))
    CheckInRound.objects.filter(pk=rounds[0].pk).update(status=RoundStatus.DONE, done_at=timezone.now())
    CheckInRound.objects.filter(pk=rounds[1].pk).update(status=RoundStatus.OVERDUE)
    a = returnee_services.declare_return(actor=w.staff_a, data=make_input())
    returnee_services.submit_report(actor=w.staff_a, isolation=a.isolation, temperature="38.5")
    returnee_services.declare_return(
        actor=w.staff_b, data=make_input(building_id=w.building_b.pk, room="101", name="李四")
    )
    rnd = open_round(w)
    people = People()
    from fangkong.masks import services as mask_services

    for building in (w.building_a, w.building_b):
        mask_services.book_public(
            round_id=rnd.pk, building_id=building.pk, room="101", client_ip="10.0.0.9", **people()
        )
    return pw


def expected(w):
    """The fixture's figures by hand: {key: (sub-district, A, B)}."""
    today = timezone.localdate()
    n_a = CheckInRound.objects.filter(neighborhood=w.hood_a, date=today).count()
    n_b = CheckInRound.objects.filter(neighborhood=w.hood_b, date=today).count()
    return {
        "pairing.buildings_unowned": (1, 0, 1),
        "pairing.checkins": (n_a + n_b, n_a, n_b),
        "pairing.checkins_done": (1, 1, 0),
        "pairing.checkins_overdue": (1, 1, 0),
        "returnees.declarations": (2, 1, 1),
        "returnees.isolated": (2, 1, 1),
        "returnees.fevers": (1, 1, 0),
        "returnees.referrals_pending": (1, 1, 0),
        "returnees.to_sign_off": (0, 0, 0),
        "masks.bookings": (2, 1, 1),
        "masks.waiting": (2, 1, 1),
        "registry.neighborhoods": (2, 1, 1),
    }


def test_figures_match_the_hand_built_fixture(fixture):
    w = fixture.w
    b = board.compute(w.hq, timezone.localdate())
    for key, (total, in_a, in_b) in expected(w).items():
        assert (b.value(key), b.value(key, w.hood_a.pk), b.value(key, w.hood_b.pk)) == (total, in_a, in_b), (
            key
        )
    assert b.value("pairing.cadres") == 2  # the pairing world's two active cadres
    staff_a = board.compute(w.staff_a, timezone.localdate())
    assert [h for h, _n in staff_a.neighborhoods] == [w.hood_a.pk]
    for key, (_total, in_a, _in_b) in expected(w).items():
        assert staff_a.value(key) == in_a, key
    # another sub-district's HQ sees none of it
    other = board.compute(w.other_hq, timezone.localdate())
    assert other.value("returnees.fevers") == 0 and other.value("masks.bookings") == 0


@pytest.mark.parametrize("persona", ["hq", "staff_a", "staff_b", "auditor"])
def test_every_figure_equals_the_count_of_the_list_it_links_to(fixture, client, persona):
    w = fixture.w
    user = getattr(w, persona)
    client.force_login(user)
    b = board.compute(user, timezone.localdate())
    checked = 0
    for column in b.columns:
        for hood_id in [board.TOTAL, *(h for h, _n in b.neighborhoods)]:
            if hood_id and not column.family.neighborhood:
                continue
            page = client.get(b.link(column.key, hood_id))
            assert page.status_code == 200, (column.key, hood_id)
            text = page.content.decode()
            shown = int(TOTAL_RE.search(text).group(1))
            assert shown == b.value(column.key, hood_id), (persona, column.key, hood_id)
            if not (column.figure.sum_field or column.figure.distinct_field) and shown <= 100:
                assert text.count("data-row") == shown
            checked += 1
    assert checked >= len(b.columns)


def test_the_drill_down_is_scoped(fixture, client):
    w = fixture.w
    client.force_login(w.staff_b)
    day = timezone.localdate().isoformat()
    # staff B asking for neighborhood A's fevers gets a 404, not A's list
    url = reverse("command:figure", args=["returnees.fevers"]) + f"?day={day}&n={w.hood_a.pk}"
    assert client.get(url).status_code == 404
    assert client.get(reverse("command:figure", args=["no.such_figure"])).status_code == 404
    client.force_login(w.cadre)
    assert client.get(reverse("command:dashboard")).status_code == 404


def test_heat_map_is_red_where_behind(fixture):
    w = fixture.w
    b = board.compute(w.hq, timezone.localdate())
    heat = {hood[0]: {cell.capability: cell.behind for cell in cells} for hood, cells in board.heat_map(b)}
    assert heat[w.hood_a.pk]["pairing"] is True  # an overdue check-in
    assert heat[w.hood_b.pk]["pairing"] is True  # a building without an owner
    assert heat[w.hood_a.pk]["returnees"] is True  # a fever, a referral pending
    assert heat[w.hood_b.pk]["returnees"] is False
    assert heat[w.hood_a.pk]["masks"] is True and heat[w.hood_b.pk]["masks"] is True  # households waiting


def test_who_has_not_reported(fixture):
    w = fixture.w
    laggards = catalogue.laggards(w.hq, timezone.localdate())
    overdue = [lag for lag in laggards if str(lag.what) == "逾期未打卡"]
    assert [(lag.neighborhood_id, lag.who, lag.count) for lag in overdue] == [(w.hood_a.pk, "张老师", 1)]
    assert catalogue.laggards(w.staff_b, timezone.localdate()) == []


def test_the_dashboard_page_and_home_show_the_figures(fixture, client):
    w = fixture.w
    client.force_login(w.hq)
    page = client.get(reverse("command:dashboard")).content.decode()
    assert 'data-figure="returnees.fevers"' in page and "echarts.min.js" in page and "hx-trigger" in page
    home = client.get(reverse("home")).content.decode()
    assert 'id="command-board"' in home
    partial = client.get(reverse("command:dashboard"), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="command-board"') and "<html" not in partial
    client.force_login(w.staff_a)
    assert 'id="command-board"' not in client.get(reverse("home")).content.decode()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("command:dashboard")).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_data(fixture, client, make_input):  # noqa: F811
    w = fixture.w
    client.force_login(w.hq)
    small = _queries(client)
    from fangkong.registry.models import Compound, Neighborhood

    for i in range(6):
        hood = Neighborhood.objects.create(subdistrict=w.sub, name=f"新居民区{i}", code=f"N{i}")
        compound = Compound.objects.create(subdistrict=w.sub, neighborhood=hood, name=f"新小区{i}")
        for j in range(3):
            Building.objects.create(subdistrict=w.sub, neighborhood=hood, compound=compound, name=f"{j}号")
    for i in range(5):
        returnee_services.declare_return(actor=w.hq, data=make_input(room=f"60{i}", name=f"王{i}"))
    assert _queries(client) == small
    assert small < 40


def test_the_snapshot_keeps_every_catalogue_figure(fixture):
    from fangkong.core.figures import snapshot
    from fangkong.core.models import DailyFigure

    w = fixture.w
    day = timezone.localdate()
    snapshot(day, subdistrict_ids=[w.sub.pk])
    stored = dict(
        DailyFigure.objects.filter(subdistrict=w.sub, day=day, neighborhood__isnull=True).values_list(
            "key", "value"
        )
    )
    live = board.compute(w.hq, day)
    for column in live.columns:
        assert stored[column.key] == live.value(column.key), column.key
    series = board.trends(w.hq, ["returnees.fevers"], 14, until=day)["returnees.fevers"]
    assert len(series) == 14 and series[-1] == (day, 1) and series[0] == (day - dt.timedelta(days=13), 0)

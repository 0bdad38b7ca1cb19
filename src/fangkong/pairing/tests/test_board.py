import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.pairing import reports, services
from fangkong.pairing.models import Point
from fangkong.registry.models import Building, Compound, Neighborhood, SupportCadre

pytestmark = pytest.mark.django_db


def _rows(user):
    return {r.point.pk: r for r in reports.coverage_board(user)}


def _own_buildings(pw, hood):
    for building in Building.objects.filter(neighborhood=hood):
        services.assign_building(actor=pw.w.hq, building=building, cadre=pw.cadre_a)


def test_gaps_and_short_points_stand_out(pw):
    _own_buildings(pw, pw.w.hood_a)
    rows = _rows(pw.w.hq)
    assert rows[pw.point_a.pk].covered == 1
    assert rows[pw.point_b.pk].state == "gap"
    assert rows[pw.point_unit.pk].state == "gap"
    services.set_point_requirement(actor=pw.w.hq, point=Point.objects.get(pk=pw.point_a.pk), required_count=3)
    assert _rows(pw.w.hq)[pw.point_a.pk].state == "short"
    assert _rows(pw.w.hq)[pw.point_a.pk].gap == 2
    totals = reports.board_totals(list(_rows(pw.w.hq).values()))
    assert totals["gaps"] == 2 and totals["short"] == 1


def test_board_page_marks_gap(pw, as_persona):
    _own_buildings(pw, pw.w.hood_a)
    html = as_persona("hq").get(reverse("pairing:board")).content.decode()
    assert f'class="state-gap" data-point="{pw.point_b.pk}"' in html
    assert f'class="state-ok" data-point="{pw.point_a.pk}"' in html


def test_point_whose_buildings_lack_an_owner_is_a_gap(pw, as_persona):
    """分楼包干: a paired point with a building nobody is in charge of is a gap on the board, in 无人覆盖
    and under 只看缺口; once every building has an owner it is covered."""
    row = _rows(pw.w.hq)[pw.point_a.pk]
    assert row.covered == 1 and row.buildings_unowned == 1 and row.state == "gap"
    client = as_persona("hq")
    html = client.get(reverse("pairing:board")).content.decode()
    assert f'class="state-gap" data-point="{pw.point_a.pk}"' in html
    assert 'data-unowned="1"' in html
    gaps = client.get(reverse("pairing:board") + "?show=gaps")
    assert f'data-point="{pw.point_a.pk}"' in gaps.content.decode()
    assert gaps.context["totals"]["gaps"] == 3 and gaps.context["totals"]["buildings_unowned"] == 2
    _own_buildings(pw, pw.w.hood_a)
    row = _rows(pw.w.hq)[pw.point_a.pk]
    assert row.buildings_unowned == 0 and row.state == "ok"
    gaps = client.get(reverse("pairing:board") + "?show=gaps")
    assert f'data-point="{pw.point_a.pk}"' not in gaps.content.decode()
    assert gaps.context["totals"]["gaps"] == 2


def test_api_coverage_reports_building_gaps(pw, as_persona):
    rows = {r["point_id"]: r for r in as_persona("hq").get("/api/v1/pairing/coverage").json()}
    assert rows[pw.point_a.pk]["buildings_unowned"] == 1 and rows[pw.point_a.pk]["state"] == "gap"
    _own_buildings(pw, pw.w.hood_a)
    rows = {r["point_id"]: r for r in as_persona("hq").get("/api/v1/pairing/coverage").json()}
    assert rows[pw.point_a.pk]["buildings_unowned"] == 0 and rows[pw.point_a.pk]["state"] == "ok"


def test_kpis_keep_the_whole_scope_when_the_list_is_filtered(pw, as_persona):
    _own_buildings(pw, pw.w.hood_a)
    client = as_persona("hq")
    everything = client.get(reverse("pairing:board")).context["totals"]
    filtered = client.get(reverse("pairing:board") + "?show=gaps")
    assert len(filtered.context["rows"]) < everything["points"]
    assert filtered.context["totals"] == everything
    assert everything["points"] == 3 and everything["covered"] == 1 and everything["gaps"] == 2


def test_staff_sees_own_neighborhood_only(pw, as_persona):
    html = as_persona("staff_a").get(reverse("pairing:board")).content.decode()
    assert pw.point_a.name in html
    assert f'data-point="{pw.point_b.pk}"' not in html


def test_anonymous_redirected(pw, as_persona):
    resp = as_persona("anonymous").get(reverse("pairing:board"))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_org_contact_gets_404(pw, as_persona):
    assert as_persona("org_contact").get(reverse("pairing:board")).status_code == 404


def test_board_exports_xlsx(pw, as_persona):
    resp = as_persona("hq").get(reverse("pairing:board") + "?format=xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["点位", "类型", "需要人数", "已结对人数"]
    names = {row[0].value for row in ws.iter_rows(min_row=2)}
    assert {pw.point_a.name, pw.point_b.name, pw.point_unit.name} <= names


def test_board_query_count_flat(pw, as_persona, django_assert_max_num_queries):
    client = as_persona("hq")
    client.get(reverse("pairing:board"))
    with django_assert_max_num_queries(16):
        client.get(reverse("pairing:board"))
    for i in range(12):
        hood = Neighborhood.objects.create(subdistrict=pw.w.sub, name=f"新居民区{i}", code=f"N{i}")
        compound = Compound.objects.create(subdistrict=pw.w.sub, neighborhood=hood, name=f"新小区{i}")
        for j in range(3):
            Building.objects.create(subdistrict=pw.w.sub, neighborhood=hood, compound=compound, name=f"{j}号")
        cadre = SupportCadre.objects.create(subdistrict=pw.w.sub, name=f"干部{i}", department=pw.w.dept)
        services.ensure_points(actor=pw.w.hq, subdistrict=pw.w.sub)
        services.pair_cadre(actor=pw.w.hq, cadre=cadre, point=Point.objects.get(neighborhood=hood))
    with django_assert_max_num_queries(16):
        html = client.get(reverse("pairing:board")).content.decode()
    assert html.count('data-unowned="3"') == 12
    with django_assert_max_num_queries(16):
        client.get(reverse("pairing:board") + "?show=gaps")


def test_default_requirement_in_proportion_to_households():
    from fangkong.pairing.requirements import PointDemand, required_counts

    pts = [
        PointDemand(1, "neighborhood", 3000, None),
        PointDemand(2, "neighborhood", 1000, None),
        PointDemand(3, "premises", 0, None),
    ]
    out = required_counts(pts, cadre_count=9)
    assert out == {3: 1, 1: 6, 2: 2}
    assert required_counts(pts, cadre_count=9, households_per_cadre=500) == {3: 1, 1: 6, 2: 2}
    assert required_counts([PointDemand(1, "neighborhood", 10, 4)], cadre_count=1) == {1: 4}

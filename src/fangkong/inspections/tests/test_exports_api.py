"""The xlsx exports of the lists and the API's visits, cases and counts: scoped like the pages, audited, and
the counts a constant number of queries as firms grow."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from fangkong.core.models import AuditEvent
from fangkong.inspections.choices import VisitState
from fangkong.inspections.models import Call, Firm, SupervisionCase, Visit
from fangkong.registry.models import Organization

pytestmark = pytest.mark.django_db


def _firms(world, n, hood, prefix):
    out = []
    for i in range(n):
        org = Organization.objects.create(subdistrict=world.sub, neighborhood=hood, name=f"{prefix}{i}公司")
        out.append(Firm.objects.create(subdistrict=world.sub, neighborhood=hood, organization=org))
    return out


def _sheet(content):
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python()


@pytest.fixture
def data(world):
    a = _firms(world, 3, world.hood_a, "甲")
    b = _firms(world, 2, world.hood_b, "乙")
    today = dt.date.today()
    for i, firm in enumerate(a + b):
        Visit.objects.create(
            subdistrict=world.sub,
            neighborhood=firm.neighborhood,
            firm=firm,
            day=today,
            state=VisitState.SUBMITTED,
            forms_handed=i,
            client_token=f"v{i}",
        )
        Call.objects.create(
            subdistrict=world.sub, neighborhood=firm.neighborhood, firm=firm, day=today, outcome="reached"
        )
    SupervisionCase.objects.create(
        subdistrict=world.sub,
        neighborhood=world.hood_a,
        firm=a[0],
        reason="劝阻后仍开工",
        deadline=today,
        owner=world.hq,
    )
    return a, b


@pytest.mark.parametrize(
    "kind,rows", [("firms", 5), ("visits", 5), ("calls", 5), ("cases", 1), ("patrols", 0)]
)
def test_each_list_exports_as_xlsx_with_chinese_headers(world, data, as_persona, kind, rows):
    response = as_persona("hq").get(f"/inspections/export/{kind}.xlsx")
    assert response.status_code == 200
    sheet = _sheet(response.content)
    assert len(sheet) == rows + 1 and all("\u4e00" <= h[0] <= "\u9fff" for h in sheet[0] if h)
    assert AuditEvent.objects.filter(action="export", changes__rows=rows).exists()


def test_exports_are_scoped_like_their_pages(world, data, as_persona):
    sheet = _sheet(as_persona("staff_a").get("/inspections/export/firms.xlsx").content)
    names = {row[0] for row in sheet[1:]}
    assert names == {"甲0公司", "甲1公司", "甲2公司"}
    assert as_persona("staff_a").get("/inspections/export/calls.xlsx").status_code == 404
    assert as_persona("org_contact").get("/inspections/export/visits.xlsx").status_code == 404
    assert as_persona("hq").get("/inspections/export/nothing.xlsx").status_code == 404
    page = as_persona("staff_a").get("/inspections/").content.decode()
    assert 'id="export-firms"' in page


def test_api_visits_cases_and_counts(world, data, as_persona):
    from django.utils import timezone

    Firm.objects.update(created_at=timezone.now() - dt.timedelta(days=3))  # on the lists of the last days
    hq = as_persona("hq")
    visits = hq.get("/api/v1/inspections/visits").json()
    assert len(visits) == 5
    assert len(as_persona("staff_b").get("/api/v1/inspections/visits").json()) == 2
    cases = hq.get("/api/v1/inspections/cases").json()
    assert [c["firm_name"] for c in cases] == ["甲0公司"]
    counts = hq.get("/api/v1/inspections/counts").json()
    assert counts["visits"] == 5 and counts["forms"] == sum(range(5))
    assert sum(r["calls"] for r in counts["call_rows"]) == 5
    assert counts["missed"][-1]["missed"] == 0
    # yesterday nobody was phoned: every firm on the list was missed, per zone as per day
    yesterday = counts["missed"][-2]
    assert yesterday["missed"] == 5
    by_zone = [r for r in counts["missed_by_zone"] if r["day"] == yesterday["day"]]
    assert sum(r["missed"] for r in by_zone) == 5
    page = hq.get("/inspections/counts/").content.decode()
    assert 'id="missed-by-zone"' in page
    assert as_persona("org_contact").get("/api/v1/inspections/counts").status_code == 404


def test_counts_queries_do_not_grow_with_the_firms(world, data, as_persona):
    hq = as_persona("hq")
    with CaptureQueriesContext(connection) as few:
        assert hq.get("/api/v1/inspections/counts").status_code == 200
        assert hq.get("/inspections/counts/").status_code == 200
    _firms(world, 40, world.hood_a, "丙")
    with CaptureQueriesContext(connection) as many:
        assert hq.get("/api/v1/inspections/counts").status_code == 200
        assert hq.get("/inspections/counts/").status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2020-02-30", "x"])
def test_extreme_days_answer_without_a_server_error(world, as_persona, day):
    hq = as_persona("hq")
    for url in ("/inspections/counts/", "/inspections/calls/", "/inspections/export/calls.xlsx"):
        assert hq.get(url, {"day": day}).status_code == 200, url
    for url in ("/api/v1/inspections/counts", "/api/v1/inspections/calls", "/api/v1/inspections/visits"):
        assert hq.get(url, {"day": day}).status_code in (200, 422), url

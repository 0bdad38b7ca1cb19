"""The district roll-up: every sub-district of the viewer's district side by side from the figures snapshot
(refreshed through the day by a job), in a constant number of queries; the drill-down into one sub-district's
dashboard; the district daily report in xlsx and PDF."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.command import rollup
from fangkong.command.tests.test_reports import pdf_objects
from fangkong.core.models import AuditEvent, DailyFigure
from fangkong.registry.models import SubDistrict

pytestmark = pytest.mark.django_db


def put(sub, day, **values):
    for key, value in values.items():
        DailyFigure.objects.create(subdistrict=sub, day=day, key=key.replace("__", "."), value=value)


def test_each_sub_district_side_by_side_with_the_district_total(world):
    w = world
    today = timezone.localdate()
    put(w.sub, today, returnees__isolated=12, masks__bookings=300)
    put(w.other_sub, today, returnees__isolated=5, masks__bookings=40)
    put(w.other_sub, today - dt.timedelta(days=1), masks__bookings=60)
    roll = rollup.compute(w.viewer, today)
    assert [name for _pk, name in roll.subdistricts] == sorted(
        [w.sub.name, w.other_sub.name], key=lambda n: SubDistrict.objects.get(name=n).code
    )
    assert (
        roll.value("returnees.isolated", w.sub.pk) == 12
        and roll.value("returnees.isolated", w.other_sub.pk) == 5
    )
    assert roll.total("returnees.isolated") == 17 and roll.total("masks.bookings") == 340
    bookings = dict(roll.series["masks.bookings"])
    assert bookings[today] == 340 and bookings[today - dt.timedelta(days=1)] == 60
    assert not roll.stale(w.sub.pk)


def test_a_sub_district_without_todays_figures_shows_its_latest_day_marked(world, client):
    w = world
    today = timezone.localdate()
    put(w.sub, today, returnees__isolated=12)
    put(w.other_sub, today - dt.timedelta(days=2), returnees__isolated=7)
    roll = rollup.compute(w.viewer, today)
    assert roll.stale(w.other_sub.pk) and roll.value("returnees.isolated", w.other_sub.pk) == 7
    client.force_login(w.viewer)
    page = client.get(reverse("command:district")).content.decode()
    assert f"{w.other_sub.name} 今日暂无数据" in page
    assert reverse("command:dashboard") + f"?sub={w.sub.pk}" in page


def test_the_roll_up_reads_in_a_constant_number_of_queries(world, client):
    w = world
    today = timezone.localdate()
    client.force_login(w.viewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("command:district")).status_code == 200
        return len(ctx)

    put(w.sub, today, returnees__isolated=1)
    small = queries()
    for i in range(6):
        sub = SubDistrict.objects.create(district=w.district, name=f"街道{i}", code=f"S{i}")
        for back in range(14):
            put(sub, today - dt.timedelta(days=back), returnees__isolated=back, masks__bookings=i)
    assert queries() == small


def test_the_refresh_job_keeps_todays_figures_and_leaves_past_days_alone(world):
    w = world
    now = timezone.now()
    done = rollup.refresh_today_job(now)
    assert done["figures"] > 0
    assert DailyFigure.objects.filter(
        subdistrict=w.sub, day=timezone.localdate(), neighborhood__isnull=True
    ).exists()
    before = DailyFigure.objects.count()
    assert rollup.refresh_today_job(now - dt.timedelta(days=2))["skipped"]
    assert DailyFigure.objects.count() == before


def test_only_district_viewers_see_it_and_their_dashboard_drills_into_one_sub_district(world, client):
    w = world
    for persona in ("hq", "staff_a", "office", "auditor", "other_hq"):
        client.force_login(getattr(w, persona))
        assert client.get(reverse("command:district")).status_code == 404, persona
    client.force_login(w.viewer)
    assert client.get(reverse("command:dashboard"))["Location"] == reverse("command:district")
    page = client.get(reverse("command:dashboard"), {"sub": w.sub.pk})
    assert page.status_code == 200 and w.sub.name in page.content.decode()
    board = page.context["board"]
    assert board.subdistrict_id == w.sub.pk
    assert {h for h, _n in board.neighborhoods} == {w.hood_a.pk, w.hood_b.pk}
    link = board.link("pairing.buildings_unowned")
    assert f"sub={w.sub.pk}" in link
    listed = client.get(link)
    assert listed.status_code == 200 and listed.context["page"].paginator.count == board.value(
        "pairing.buildings_unowned"
    )
    elsewhere = SubDistrict.objects.create(
        district=type(w.district).objects.create(name="杨浦区", code="310110"), name="五角场街道", code="WJC"
    )
    assert client.get(reverse("command:dashboard"), {"sub": elsewhere.pk}).status_code == 404
    assert client.get(reverse("command:dashboard"), {"sub": "x"}).status_code == 404


def test_the_district_daily_report_in_xlsx_and_pdf(world, client):
    w = world
    day = timezone.localdate() - dt.timedelta(days=1)
    put(w.sub, day, returnees__isolated=12)
    client.force_login(w.viewer)
    xlsx = client.get(reverse("command:district_report", args=["xlsx"]), {"day": day.isoformat()})
    assert xlsx.status_code == 200
    sheet = zipfile.ZipFile(io.BytesIO(xlsx.content)).read("xl/worksheets/sheet1.xml").decode()
    assert "全区合计" in sheet and w.sub.name in sheet and "当日无快照的街道" in sheet
    assert "<v>12</v>" in sheet
    pdf = client.get(reverse("command:district_report", args=["pdf"]), {"day": day.isoformat()})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    objects = pdf_objects(pdf.content)
    assert b"/FontFile" in objects and re.search(
        rb"/MediaBox ?\[0 0 841\.\d* 595\.\d*\]", objects
    )  # A4 landscape
    assert AuditEvent.objects.filter(action="export", note="district_report").count() == 2
    assert client.get(reverse("command:district_report", args=["csv"])).status_code == 404

"""The daily report: its figures equal the dashboard's, its events carry masked names only, it is kept (the
same tomorrow), regenerated for a past day through a long task, and its files are a real xlsx and an A4 PDF
with the CJK fonts embedded."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from fangkong.command import board, jobs, reports, services
from fangkong.command.models import DailyReport
from fangkong.command.tests.test_board import fixture  # noqa: F401
from fangkong.core.models import AuditEvent
from fangkong.pairing.tests.conftest import pw  # noqa: F401
from fangkong.returnees.tests.conftest import make_input  # noqa: F401

pytestmark = pytest.mark.django_db


def pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (WeasyPrint packs the objects into streams)."""
    out = [data]
    for found in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(found.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


@pytest.fixture
def report(fixture):  # noqa: F811
    w = fixture.w
    done = jobs.daily_reports(timezone.now())
    assert done["reports"] == 2  # every sub-district of the world
    return DailyReport.objects.get(subdistrict=w.sub, day=timezone.localdate())


def test_the_report_holds_the_dashboards_figures_and_masked_events(fixture, report):  # noqa: F811
    w = fixture.w
    live = board.compute(w.hq, timezone.localdate())
    content = report.content
    for column in live.columns:
        assert content["totals"][column.key] == live.value(column.key), column.key
    by_name = {h["name"]: h["values"] for h in content["neighborhoods"]}
    assert by_name[w.hood_a.name]["returnees.fevers"] == 1 and by_name[w.hood_b.name]["returnees.fevers"] == 0
    kinds = [e["kind"] for e in content["events"]]
    assert "新增发热" in kinds and kinds.count("开始隔离") == 2
    text = str(content)
    assert "张*" in text and "张三" not in text and "李四" not in text
    from fangkong.returnees.models import Declaration

    for d in Declaration.objects.all():
        assert d.id_number_masked not in text and d.phone_masked not in text
    assert report.pages >= 1
    assert AuditEvent.objects.filter(object_type="command.dailyreport", object_id=str(report.pk)).exists()


def test_the_report_is_kept_and_replaced_only_when_regenerated(fixture, report, make_input):  # noqa: F811
    w = fixture.w
    before = report.content["totals"]["returnees.declarations"]
    from fangkong.returnees import services as returnee_services

    returnee_services.declare_return(actor=w.hq, data=make_input(room="808", name="王五"))
    report.refresh_from_db()
    assert report.content["totals"]["returnees.declarations"] == before  # kept as generated
    services.generate_daily_report(actor=w.hq, subdistrict=w.sub, day=timezone.localdate())
    assert DailyReport.objects.filter(subdistrict=w.sub, day=timezone.localdate()).count() == 1
    report.refresh_from_db()
    assert report.content["totals"]["returnees.declarations"] == before + 1


def test_only_hq_of_the_subdistrict_generates_and_never_for_the_future(fixture):  # noqa: F811
    w = fixture.w
    for user in (w.staff_a, w.auditor, w.other_hq, w.viewer):
        with pytest.raises(PermissionDenied):
            services.generate_daily_report(actor=user, subdistrict=w.sub, day=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.generate_daily_report(
            actor=w.hq, subdistrict=w.sub, day=timezone.localdate() + dt.timedelta(days=1)
        )


def test_files_are_an_xlsx_with_chinese_headers_and_an_a4_pdf_with_embedded_fonts(fixture, report, client):  # noqa: F811
    w = fixture.w
    client.force_login(w.hq)
    pdf = client.get(reverse("command:report_file", args=[report.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    objects = pdf_objects(pdf.content)
    assert b"/FontFile" in objects and b"Noto" in objects  # the CJK fonts are embedded
    assert re.search(rb"/MediaBox ?\[0 0 595\.\d* 841\.\d*\]", objects)  # A4 (595 x 842 pt)
    xlsx = client.get(reverse("command:report_file", args=[report.pk, "xlsx"]))
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "居民区" in sheet and "今日发热（人）" in sheet and "当日事件" in sheet and "张*" in sheet
    assert "张三" not in sheet
    assert AuditEvent.objects.filter(action="export", object_type="command.dailyreport").count() == 2


def test_a_past_day_is_regenerated_by_a_long_task(fixture, client):  # noqa: F811
    from fangkong.core import longtasks
    from fangkong.core.models import LongTask

    w = fixture.w
    client.force_login(w.hq)
    day = timezone.localdate() - dt.timedelta(days=3)
    response = client.post(
        reverse("command:report_generate"), {"subdistrict": w.sub.pk, "day": day.isoformat()}
    )
    task = LongTask.objects.get(kind="command.daily_report", user=w.hq)
    assert response.status_code == 302 and response["Location"] == longtasks.page(task)
    longtasks.run(str(task.pk))
    task.refresh_from_db()
    assert task.status == "done", task.__dict__
    report = DailyReport.objects.get(subdistrict=w.sub, day=day)
    assert report.content["day"] == day.isoformat() and report.generated_by == w.hq
    # another sub-district's HQ cannot ask for it
    client.force_login(w.other_hq)
    assert (
        client.post(reverse("command:report_generate"), {"subdistrict": w.sub.pk, "day": day}).status_code
        == 404
    )


def test_the_html_of_the_report_renders_every_section(fixture, report):  # noqa: F811
    html = reports.render_html(report.content, for_pdf=True)
    for section in reports.sections(report.content):
        assert str(section["label"]) in html
    assert "@page { size: A4" in html

"""Online briefings (微党课): attendance per branch (expected, actual, absent), the public check-in (idempotent,
rate-limited, fuzzed, only invited branches, QR decoded), the roster import with preview and row errors,
the Q&A and the real duration against the planned one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from fangkong.care import briefings as service
from fangkong.care.imports import BRIEFING_ATTENDANCE
from fangkong.care.models import BriefingAttendance, BriefingQuestion
from fangkong.core import spreadsheets
from fangkong.core.links import public_url
from fangkong.core.testing import decode_qr_in_html
from fangkong.registry.models import PartyBranch

pytestmark = pytest.mark.django_db


@pytest.fixture
def branches(world):
    return [
        PartyBranch.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, name=f"第{i}党支部")
        for i in range(1, 5)
    ]


@pytest.fixture
def briefing(world, branches):
    return service.create_briefing(
        actor=world.staff_a,
        subdistrict_id=world.sub.pk,
        neighborhood=world.hood_a,
        title="战疫情、讲担当",
        organisers="社区党建办、社区发展办",
        day=dt.date(2020, 2, 7),
        planned_minutes=30,
        speakers=["甲", "乙", "丙", "丁"],
        topics=["疫情防控知识", "党员先锋作用"],
        invited=[(branches[0], 10), (branches[1], 5), (branches[2], 3)],
    )


def test_attendance_per_branch_and_branches_that_did_not_attend(world, branches, briefing):
    for name in ("张三", "李四", "王五"):
        service.check_in(briefing=briefing, name=name, branch_id=branches[0].pk)
    service.check_in(briefing=briefing, name="赵六", branch_id=branches[1].pk)
    again = service.check_in(briefing=briefing, name=" 张 三 ", branch_id=branches[0].pk)  # double submit
    assert not again.created
    with pytest.raises(ValidationError):  # not invited
        service.check_in(briefing=briefing, name="钱七", branch_id=branches[3].pk)
    summary = service.summary(briefing)
    by_branch = {r.branch.pk: (r.expected, r.actual) for r in summary.rows}
    assert by_branch == {branches[0].pk: (10, 3), branches[1].pk: (5, 1), branches[2].pk: (3, 0)}
    assert [r.branch for r in summary.absent] == [branches[2]]
    assert (summary.expected, summary.actual) == (18, 4)
    with transaction.atomic(), pytest.raises(IntegrityError):
        BriefingAttendance.objects.create(
            subdistrict=world.sub, briefing=briefing, branch=branches[0], name="张三", source="staff"
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    checkins=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["张三", "李四", " 张三", "王五", "", "赵 六"])),
        max_size=25,
    )
)
def test_the_summary_counts_each_name_once_per_invited_branch(world, branches, briefing, checkins):
    from fangkong.core.tests.matrix import rolled_back

    with rolled_back():
        seen: set[tuple[int, str]] = set()
        for index, name in checkins:
            branch = branches[index]
            try:
                service.check_in(briefing=briefing, name=name, branch_id=branch.pk)
            except ValidationError:
                assert index == 3 or not name.strip()
                continue
            seen.add((branch.pk, service.clean_name(name)))
        summary = service.summary(briefing)
        assert summary.actual == len(seen)
        for row in summary.rows:
            assert row.actual == sum(1 for b, _n in seen if b == row.branch.pk)
        assert {r.branch.pk for r in summary.absent} == {
            b.pk for b in branches[:3] if b.pk not in {s[0] for s in seen}
        }


def test_summary_reads_in_constant_queries(world, branches, briefing, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        service.summary(briefing)
    for i in range(40):
        service.check_in(briefing=briefing, name=f"党员{i}", branch_id=branches[i % 3].pk)
    with django_assert_max_num_queries(2):
        service.summary(briefing)


def test_public_check_in_by_qr_is_idempotent_and_tells_nothing(
    world, briefing, branches, as_persona, settings
):
    settings.FANGKONG_PUBLIC_BASE_URL = "https://fk.example.org"
    poster = as_persona("staff_a").get(reverse("care:briefing_poster", args=[briefing.pk]))
    link = decode_qr_in_html(poster.content)
    assert link == public_url("care:public_briefing", briefing.code)
    anonymous = as_persona("anonymous")
    path = link.removeprefix("https://fk.example.org")
    page = anonymous.get(path).content.decode()
    assert branches[0].name in page and branches[3].name not in page
    service.check_in(briefing=briefing, name="李四", branch_id=branches[0].pk)
    for _ in range(2):
        done = anonymous.post(path, {"name": "张三", "branch": branches[0].pk})
        assert (
            done.status_code == 200
            and "张三" in done.content.decode()
            and "李四" not in done.content.decode()
        )
    assert BriefingAttendance.objects.filter(briefing=briefing).count() == 2
    refused = anonymous.post(path, {"name": "钱七", "branch": branches[3].pk})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert anonymous.get(path.replace(briefing.code, "nope")).status_code == 404


def test_public_check_in_is_rate_limited(world, briefing, branches, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_CARE_BRIEFING", "ip=2,key=0,window=60")
    url = reverse("care:public_briefing", args=[briefing.code])
    codes = [client.post(url, {"name": f"党员{i}", "branch": branches[0].pk}).status_code for i in range(3)]
    assert codes[-1] == 429


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=60), branch=st.one_of(st.text(max_size=12), st.integers(-5, 10**12).map(str)))
def test_public_check_in_never_fails_on_any_input(world, briefing, client, monkeypatch, name, branch):
    monkeypatch.setenv("FANGKONG_RATE_CARE_BRIEFING", "off")
    response = client.post(
        reverse("care:public_briefing", args=[briefing.code]), {"name": name, "branch": branch}
    )
    assert response.status_code == 200


def _sheet(tmp_path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(BRIEFING_ATTENDANCE.headers)
    for row in rows:
        ws.append(row)
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    return path


def test_roster_import_previews_row_errors_then_adds_once(world, briefing, branches, tmp_path):
    service.check_in(briefing=briefing, name="张三", branch_id=branches[0].pk)
    bad = _sheet(
        tmp_path,
        [
            [briefing.pk, branches[0].name, "张三"],
            [briefing.pk, branches[0].name, "李四"],
            [briefing.pk, branches[3].name, "王五"],  # not invited
            [999999, branches[0].name, "赵六"],  # no such briefing
        ],
    )
    report = spreadsheets.preview_import(BRIEFING_ATTENDANCE, bad, actor=world.staff_a)
    assert sorted((p.row, p.column) for p in report.errors) == [(4, "党组织"), (5, "微党课编号")]
    with pytest.raises(spreadsheets.ImportRefused):
        spreadsheets.run_import(BRIEFING_ATTENDANCE, bad, actor=world.staff_a)
    assert BriefingAttendance.objects.filter(briefing=briefing).count() == 1
    good = _sheet(
        tmp_path,
        [
            [briefing.pk, branches[0].name, "张三"],
            [briefing.pk, branches[0].name, "李四"],
            [briefing.pk, branches[1].name, "王五"],
        ],
    )
    report = spreadsheets.run_import(BRIEFING_ATTENDANCE, good, actor=world.staff_a)
    assert report.counts["create"] == 2 and report.counts["unchanged"] == 1
    assert BriefingAttendance.objects.filter(briefing=briefing, source="import").count() == 2
    # staff of another neighborhood cannot import into it
    report = spreadsheets.preview_import(BRIEFING_ATTENDANCE, good, actor=world.staff_b)
    assert {p.column for p in report.errors} == {"微党课编号"}


def test_questions_and_the_real_duration(world, briefing, as_persona):
    question = service.record_question(
        actor=world.staff_a, briefing=briefing, text="居家隔离怎么买菜？", asked_by="张三"
    )
    service.record_question(actor=world.staff_a, briefing=briefing, text="返沪人员怎么登记？")
    with pytest.raises(PermissionDenied):
        service.record_question(actor=world.staff_b, briefing=briefing, text="x")
    with pytest.raises(ValidationError):
        service.answer_question(actor=world.staff_a, question=question, answer=" ")
    service.answer_question(actor=world.staff_a, question=question, answer="由志愿者代购", answered_by="甲")
    with transaction.atomic(), pytest.raises(IntegrityError):
        BriefingQuestion.objects.filter(pk=question.pk).update(answer="")
    start = dt.datetime(2020, 2, 7, 19, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError):
        service.record_times(actor=world.staff_a, briefing=briefing, started_at=start, ended_at=start)
    briefing = service.record_times(
        actor=world.staff_a, briefing=briefing, started_at=start, ended_at=start + dt.timedelta(minutes=75)
    )
    assert briefing.actual_minutes == 75 and briefing.overrun_minutes == 45
    page = as_persona("staff_a").get(reverse("care:briefing_detail", args=[briefing.pk])).content.decode()
    assert "超出 45 分钟" in page and "由志愿者代购" in page and "1 个未解答" in page
    viewer = as_persona("viewer").get(reverse("care:briefing_detail", args=[briefing.pk])).content.decode()
    assert "记录解答" not in viewer and "记录提问" not in viewer
    assert as_persona("staff_b").get(reverse("care:briefing_detail", args=[briefing.pk])).status_code == 404


def test_planning_page_invites_branches_with_expected_members(world, branches, as_persona):
    client = as_persona("staff_a")
    response = client.post(
        reverse("care:briefing_new"),
        {
            "title": "微党课",
            "day": "2020-02-07",
            "planned_minutes": "30",
            "neighborhood": world.hood_a.pk,
            "speakers": "甲\n乙",
            "topics": "一、二",
            f"expected_{branches[0].pk}": "8",
            f"expected_{branches[1].pk}": "6",
        },
    )
    assert response.status_code == 302
    made = service.summary(
        BriefingAttendance._meta.get_field("briefing").related_model.objects.get(title="微党课")
    )
    assert sorted(r.expected for r in made.rows) == [6, 8]
    refused = client.post(
        reverse("care:briefing_new"),
        {"title": "x", "day": "2020-02-07", "planned_minutes": "30", "neighborhood": world.hood_a.pk},
    )
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()


def test_the_public_api_check_in_counts_once(world, briefing, branches, client):
    url = f"/api/v1/care/public/briefings/{briefing.code}/check-in"
    for _ in range(2):
        assert (
            client.post(
                url, {"name": "张三", "branch_id": branches[0].pk}, content_type="application/json"
            ).status_code
            == 200
        )
    assert (
        client.post(
            url, {"name": "张三", "branch_id": branches[3].pk}, content_type="application/json"
        ).status_code
        == 422
    )
    assert (
        client.post(
            url, {"name": "\x00", "branch_id": branches[0].pk}, content_type="application/json"
        ).status_code
        == 422
    )
    assert BriefingAttendance.objects.filter(briefing=briefing).count() == 1
    assert (
        client.post(
            "/api/v1/care/public/briefings/nope/check-in",
            {"name": "x", "branch_id": 1},
            content_type="application/json",
        ).status_code
        == 404
    )

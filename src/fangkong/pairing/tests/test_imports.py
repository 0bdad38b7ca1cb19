"""Spreadsheet formats for pairings and team members: personas, preview errors, scope, round trips."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from fangkong.core import spreadsheets
from fangkong.core.models import AuditEvent
from fangkong.pairing import services
from fangkong.pairing.imports import PAIRINGS, TEAM_MEMBERS
from fangkong.pairing.models import Pairing, ResponsibilityType, Team, TeamMember
from fangkong.registry.models import Volunteer
from fangkong.registry.services import set_personal

pytestmark = pytest.mark.django_db

PHONE_A, PHONE_B, PHONE_V = "13812345678", "13912345678", "13612345678"


@pytest.fixture
def data(pw):
    for cadre, phone in ((pw.cadre_a, PHONE_A), (pw.cadre_b, PHONE_B)):
        set_personal(cadre, {"phone": phone})
        cadre.save()
    pw.volunteer = Volunteer(subdistrict=pw.w.sub, neighborhood=pw.w.hood_a, name="赵志愿")
    set_personal(pw.volunteer, {"phone": PHONE_V})
    pw.volunteer.save()
    services.save_settings(actor=pw.w.hq, subdistrict=pw.w.sub, max_points_per_cadre=3)
    return pw


def _xlsx(tmp_path, fmt, rows, name="in.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(fmt.headers)
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def _export(client, slug, tmp_path):
    resp = client.get(f"/io/{slug}/export.xlsx")
    assert resp.status_code == 200
    path = tmp_path / f"{slug}-export.xlsx"
    path.write_bytes(b"".join(resp.streaming_content))
    return path


@pytest.mark.parametrize("slug", ["pairings", "team-members"])
def test_io_pages_personas(data, as_persona, slug):
    for url in (f"/io/{slug}/import/", f"/io/{slug}/export.xlsx", f"/io/{slug}/template.xlsx"):
        assert as_persona("hq").get(url).status_code == 200, url
        assert as_persona("staff_a").get(url).status_code == 200, url
        for persona in ("cadre", "org_contact"):
            assert as_persona(persona).get(url).status_code == 404, (persona, url)
        anon = as_persona("anonymous").get(url)
        assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]


def test_staff_export_is_scoped_and_masked(data, as_persona, tmp_path):
    services.pair_cadre(actor=data.w.hq, cadre=data.cadre_b, point=data.point_b)
    path = _export(as_persona("staff_a"), "pairings", tmp_path)
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in rows] == [data.point_a.name]
    assert rows[0][1] == "138****5678"


def test_pairings_round_trip(data, as_persona, tmp_path):
    w = data.w
    gate = services.DEFAULT_RESPONSIBILITIES[0]
    services.update_pairing(
        actor=w.hq,
        pairing=data.pairing_a,
        expected_version=data.pairing_a.version,
        responsibility=ResponsibilityType.objects.get(subdistrict=w.sub, name=gate),
        responsibility_note="东门",
    )
    services.pair_cadre(actor=w.hq, cadre=data.cadre_b, point=data.point_unit)
    path = _export(as_persona("hq"), "pairings", tmp_path)
    # unchanged re-import
    report = spreadsheets.preview_import(PAIRINGS, path, actor=w.hq)
    assert report.ok and report.counts == {"unchanged": 2}
    # end every pairing, then import the export: the same pairings come back
    before = {
        (p.cadre_id, p.point_id, p.responsibility_id, p.responsibility_note, p.started_on)
        for p in Pairing.objects.filter(active=True)
    }
    for p in Pairing.objects.filter(active=True):
        services.end_pairing(actor=w.hq, pairing=p)
    report = spreadsheets.run_import(PAIRINGS, path, actor=w.hq, token="t" * 24, filename="x.xlsx")
    assert report.counts["create"] == 2
    after = {
        (p.cadre_id, p.point_id, p.responsibility_id, p.responsibility_note, p.started_on)
        for p in Pairing.objects.filter(active=True)
    }
    assert after == before
    assert set(Pairing.objects.filter(active=True).values_list("source", flat=True)) == {"import"}
    assert AuditEvent.objects.filter(action="import", object_type="pairing.pairing").count() == 1


def test_pairings_preview_reports_row_errors(data, tmp_path):
    path = _xlsx(
        tmp_path,
        PAIRINGS,
        [
            ["张老师", PHONE_A, "居民区", data.point_b.name, "门岗值守", "", "2020-02-10"],
            ["张老师", "13700000000", "居民区", data.point_a.name, "", "", ""],
            ["王五", PHONE_B, "居民区", data.point_a.name, "", "", ""],
            ["李科员", PHONE_B, "居民区", "不存在居民区", "", "", ""],
            ["李科员", PHONE_B, "楼宇", data.point_a.name, "", "", ""],
            ["李科员", PHONE_B, "居民区", data.point_a.name, "打扫", "", ""],
            ["李科员", PHONE_B, "居民区", data.point_b.name, "", "", "2020-13-40"],
        ],
    )
    report = spreadsheets.preview_import(PAIRINGS, path, actor=data.w.hq)
    problems = {(p.row, p.column): p.message for p in report.errors}
    assert report.counts["create"] == 1 and report.bad_rows == 6
    assert "未找到手机号码为 137****0000 的下沉干部" in problems[3, "手机号码"]
    assert "与姓名“王五”不符" in problems[4, "手机号码"]
    assert "不存在" in problems[5, "定点名称"]
    assert "取值应为" in problems[6, "定点类型"]
    assert "责任类型“打扫”不存在" in problems[7, "职责"]
    assert "日期格式不正确" in problems[8, "开始日期"]
    with pytest.raises(spreadsheets.ImportRefused):
        spreadsheets.run_import(PAIRINGS, path, actor=data.w.hq)
    assert Pairing.objects.count() == 1


def test_pairings_scope_rechecked_all_or_nothing(data, tmp_path):
    path = _xlsx(
        tmp_path,
        PAIRINGS,
        [
            ["李科员", PHONE_B, "居民区", data.point_a.name, "", "", ""],
            ["李科员", PHONE_B, "居民区", data.point_b.name, "", "", ""],
        ],
    )
    report = spreadsheets.preview_import(PAIRINGS, path, actor=data.w.staff_a)
    assert [(p.row, p.column) for p in report.errors] == [(3, "定点名称")]
    assert "超出您的管理范围" in report.errors[0].message
    with pytest.raises(spreadsheets.ImportRefused):
        spreadsheets.run_import(PAIRINGS, path, actor=data.w.staff_a)
    assert not Pairing.objects.filter(cadre=data.cadre_b).exists()


def test_pairings_point_limit(data, tmp_path):
    services.save_settings(actor=data.w.hq, subdistrict=data.w.sub, max_points_per_cadre=1)
    path = _xlsx(
        tmp_path,
        PAIRINGS,
        [
            ["李科员", PHONE_B, "居民区", data.point_a.name, "", "", ""],
            ["李科员", PHONE_B, "居民区", data.point_b.name, "", "", ""],
        ],
    )
    report = spreadsheets.preview_import(PAIRINGS, path, actor=data.w.hq)
    assert "每人最多 1 个" in report.errors[0].message and report.errors[0].row == 3


def test_team_members_import_creates_team_and_round_trips(data, as_persona, tmp_path):
    w = data.w
    path = _xlsx(
        tmp_path,
        TEAM_MEMBERS,
        [
            ["安汾服务队", data.point_a.name, "下沉干部", "张老师", PHONE_A, "是"],
            ["安汾服务队", "", "志愿者", "赵志愿", PHONE_V, ""],
        ],
    )
    report = spreadsheets.preview_import(TEAM_MEMBERS, path, actor=w.staff_a)
    assert report.ok and report.counts["create"] == 2
    assert any("将新建队伍" in p.message for p in report.warnings)
    spreadsheets.run_import(TEAM_MEMBERS, path, actor=w.staff_a, token="m" * 24)
    team = Team.objects.get(name="安汾服务队")
    assert team.point == data.point_a and team.neighborhood == w.hood_a
    members = {(m.kind, str(m.person), m.is_leader) for m in team.members.all()}
    assert members == {("cadre", "张老师", True), ("volunteer", "赵志愿", False)}
    # export → import: nothing to do
    exported = _export(as_persona("hq"), "team-members", tmp_path)
    report = spreadsheets.preview_import(TEAM_MEMBERS, exported, actor=w.hq)
    assert report.ok and report.counts == {"unchanged": 2}
    # remove the members, re-import the export: they come back with the same leader
    TeamMember.objects.filter(team=team).delete()
    spreadsheets.run_import(TEAM_MEMBERS, exported, actor=w.hq, token="n" * 24)
    assert {(m.kind, str(m.person), m.is_leader) for m in team.members.all()} == members


def test_team_members_errors_and_scope(data, tmp_path):
    w = data.w
    team_b = services.create_team(actor=w.hq, subdistrict=w.sub, name="新南队", point=data.point_b)
    path = _xlsx(
        tmp_path,
        TEAM_MEMBERS,
        [
            ["新南队", "", "下沉干部", "张老师", PHONE_A, ""],
            ["安汾队", data.point_a.name, "志愿者", "赵志愿", PHONE_A, ""],
            ["安汾队", data.point_a.name, "下沉干部", "张老师", PHONE_A, "是"],
            ["安汾队", data.point_a.name, "志愿者", "赵志愿", PHONE_V, "是"],
        ],
    )
    report = spreadsheets.preview_import(TEAM_MEMBERS, path, actor=w.staff_a)
    problems = {(p.row, p.column): p.message for p in report.errors}
    assert "超出您的管理范围" in problems[2, "队伍名称"]
    assert "未找到手机号码为 138****5678 的志愿者" in problems[3, "手机号码"]
    assert "已在第 4 行指定队长" in problems[5, "队长"]
    with pytest.raises(spreadsheets.ImportRefused):
        spreadsheets.run_import(TEAM_MEMBERS, path, actor=w.staff_a)
    assert not Team.objects.filter(name="安汾队").exists()
    assert not team_b.members.exists()


def test_upload_preview_page_shows_errors(data, as_persona, tmp_path):
    path = _xlsx(tmp_path, PAIRINGS, [["王五", PHONE_B, "居民区", data.point_a.name, "", "", ""]])
    client = as_persona("hq")
    with open(path, "rb") as fh:
        resp = client.post("/io/pairings/import/", {"file": fh}, follow=True)
    html = resp.content.decode()
    assert resp.status_code == 200 and "与姓名“王五”不符" in html
    assert io is not None

"""The registry spreadsheet formats: broken rows, preview, atomic commit, scope, idempotency, round trip."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from django.db import connection
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from fangkong.core import crypto, personal
from fangkong.core.models import AuditEvent
from fangkong.core.spreadsheets import (
    FileError,
    ImportRefused,
    preview_import,
    run_import,
    write_xlsx,
)
from fangkong.core.testing import make_id_number, make_phone
from fangkong.registry.imports import CADRES, HOUSEHOLDS, ORGANIZATIONS, VOLUNTEERS
from fangkong.registry.models import (
    Building,
    Compound,
    Household,
    Organization,
    Resident,
    SupportCadre,
    Volunteer,
)

HEADERS = ["居民区", "小区", "楼号", "室号", "姓名", "证件类型", "证件号码", "手机号码", "与户主关系", "党员"]


def xlsx(tmp_path: Path, headers: list[str], rows: list[list], name: str = "in.xlsx") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def resident_row(hood: str, room: str = "201", *, rng: random.Random | None = None, **over) -> list:
    rng = rng or random.Random()
    row = {
        "居民区": hood,
        "小区": "安汾小区",
        "楼号": "2号",
        "室号": room,
        "姓名": "张三",
        "证件类型": "居民身份证",
        "证件号码": make_id_number(rng),
        "手机号码": make_phone(rng),
        "与户主关系": "子女",  # one 户主 per household: tests name the head where they need one
        "党员": "否",
    }
    row.update(over)
    return [row[h] for h in HEADERS]


def table_counts() -> tuple[int, ...]:
    return (
        Compound.objects.count(),
        Building.objects.count(),
        Household.objects.count(),
        Resident.objects.count(),
        AuditEvent.objects.filter(action="import").count(),
    )


def errors_of(report) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


# ------------------------------------------------------------------------------------------- households


def test_preview_counts_and_writes_nothing(world, tmp_path):
    rng = random.Random(1)
    path = xlsx(
        tmp_path,
        HEADERS,
        [resident_row(world.hood_a.name, "201", rng=rng), resident_row(world.hood_a.name, "202", rng=rng)],
    )
    before = table_counts()
    report = preview_import(HOUSEHOLDS, path, actor=world.staff_a)
    assert report.ok, report.errors
    assert report.counts["create"] == 2
    assert report.counts["households_created"] == 2
    assert report.counts["buildings_created"] == 1
    assert table_counts() == before


def test_commit_creates_places_residents_and_one_audit_event(world, tmp_path):
    rng = random.Random(2)
    rows = [resident_row(world.hood_a.name, "201", rng=rng) for _ in range(3)]
    rows.append(resident_row(world.hood_a.name, "202", rng=rng, 小区="新小区", 楼号="9号"))
    path = xlsx(tmp_path, HEADERS, rows)
    report = run_import(HOUSEHOLDS, path, actor=world.staff_a, token="t" * 32, filename="in.xlsx")
    assert report.counts["create"] == 4
    household = Household.objects.get(building__compound__name="安汾小区", building__name="2号", room="201")
    assert household.residents.count() == 3
    assert household.neighborhood_id == world.hood_a.pk and household.subdistrict_id == world.sub.pk
    assert household.address == "安汾小区2号201室"
    new = Building.objects.get(name="9号")
    assert new.compound.name == "新小区" and new.neighborhood_id == world.hood_a.pk
    first = Resident.objects.get(id_number_hash=crypto.lookup_hash("id_number", rows[0][6]))
    assert crypto.decrypt(first.id_number_enc) == rows[0][6]
    assert first.id_number_masked == personal.mask("id_number", rows[0][6])
    assert first.phone_hash == crypto.lookup_hash("phone", rows[0][7])
    assert first.birth_date is not None and first.gender in ("M", "F")
    events = AuditEvent.objects.filter(action="import")
    assert events.count() == 1
    event = events.get()
    assert event.changes["counts"]["create"] == 4 and event.neighborhood_id == world.hood_a.pk


def test_no_plaintext_after_import(world, tmp_path):
    rng = random.Random(3)
    rows = [resident_row(world.hood_a.name, str(300 + i), rng=rng) for i in range(5)]
    run_import(HOUSEHOLDS, xlsx(tmp_path, HEADERS, rows), actor=world.hq)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_resident")
        dump = repr(cursor.fetchall())
    for row in rows:
        assert row[6] not in dump and row[7] not in dump


@pytest.mark.parametrize(
    ("override", "column", "needle"),
    [
        ({"证件号码": "310109198001012340"}, "证件号码", "校验位"),
        ({"证件号码": "31010919800101234"}, "证件号码", "18位"),
        ({"手机号码": "12812345678"}, "手机号码", "手机号码"),
        ({"居民区": "不存在居民区"}, "居民区", "不存在"),
        ({"姓名": ""}, "姓名", "必填"),
        ({"证件类型": "驾照"}, "证件类型", "取值"),
        ({"党员": "也许"}, "党员", "是"),
    ],
)
def test_broken_rows_are_reported_with_row_and_column(world, tmp_path, override, column, needle):
    rng = random.Random(4)
    rows = [
        resident_row(world.hood_a.name, "201", rng=rng),
        resident_row(world.hood_a.name, "202", rng=rng, **override),
    ]
    path = xlsx(tmp_path, HEADERS, rows)
    report = preview_import(HOUSEHOLDS, path, actor=world.hq)
    assert not report.ok
    assert (3, column) in errors_of(report)
    assert any(needle in e.message for e in report.errors)
    before = table_counts()
    with pytest.raises(ImportRefused):
        run_import(HOUSEHOLDS, path, actor=world.hq)
    assert table_counts() == before


def test_duplicate_row_in_the_same_file(world, tmp_path):
    rng = random.Random(5)
    row = resident_row(world.hood_a.name, "201", rng=rng)
    path = xlsx(tmp_path, HEADERS, [row, resident_row(world.hood_a.name, "203", rng=rng), list(row)])
    report = preview_import(HOUSEHOLDS, path, actor=world.hq)
    assert (
        [(e.row, e.column) for e in report.errors] == [(4, "居民区")]
        or (4, "证件号码") in errors_of(report)
        or any(e.row == 4 and "第 2 行重复" in e.message for e in report.errors)
    )
    assert any(e.row == 4 and "第 2 行重复" in e.message for e in report.errors)


def test_missing_required_column_is_a_file_error(world, tmp_path):
    headers = [h for h in HEADERS if h != "证件号码"]
    path = xlsx(
        tmp_path, headers, [["安汾居民区", "x", "1号", "101", "张三", "居民身份证", "", "户主", "否"]]
    )
    with pytest.raises(FileError) as exc:
        preview_import(HOUSEHOLDS, path, actor=world.hq)
    assert "证件号码" in exc.value.message


@pytest.mark.parametrize("content", [b"", b"not a spreadsheet", b"PK\x03\x04broken zip"])
def test_broken_files_are_file_errors(world, tmp_path, content):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(FileError):
        preview_import(HOUSEHOLDS, path, actor=world.hq)


def test_empty_sheet_and_header_only(world, tmp_path):
    with pytest.raises(FileError):
        preview_import(HOUSEHOLDS, xlsx(tmp_path, [], []), actor=world.hq)
    with pytest.raises(FileError) as exc:
        preview_import(HOUSEHOLDS, xlsx(tmp_path, HEADERS, [], name="h.xlsx"), actor=world.hq)
    assert "没有数据行" in exc.value.message


def test_unknown_region_code_is_a_warning_not_an_error(world, tmp_path):
    rng = random.Random(6)
    odd = make_id_number(rng, region="990000")
    path = xlsx(tmp_path, HEADERS, [resident_row(world.hood_a.name, rng=rng, 证件号码=odd)])
    report = preview_import(HOUSEHOLDS, path, actor=world.hq)
    assert report.ok
    assert report.warning_count == 1 and "地区码" in report.warnings[0].message


def test_other_document_types(world, tmp_path):
    rng = random.Random(7)
    rows = [
        resident_row(world.hood_a.name, "201", rng=rng, 证件类型="护照", 证件号码="E12345678"),
        resident_row(
            world.hood_a.name, "202", rng=rng, 证件类型="港澳居民来往内地通行证", 证件号码="H12345678"
        ),
        resident_row(world.hood_a.name, "203", rng=rng, 证件类型="护照", 证件号码="E1"),
    ]
    report = preview_import(HOUSEHOLDS, xlsx(tmp_path, HEADERS, rows), actor=world.hq)
    assert errors_of(report) == [(4, "证件号码")]


def test_scope_breach_refuses_the_whole_import(world, tmp_path):
    rng = random.Random(8)
    rows = [resident_row(world.hood_a.name, "201", rng=rng), resident_row(world.hood_b.name, "202", rng=rng)]
    path = xlsx(tmp_path, HEADERS, rows)
    report = preview_import(HOUSEHOLDS, path, actor=world.staff_a)
    assert errors_of(report) == [(3, "居民区")]
    before = table_counts()
    with pytest.raises(ImportRefused):
        run_import(HOUSEHOLDS, path, actor=world.staff_a)
    assert table_counts() == before


def test_scope_is_rechecked_inside_the_transaction(world, tmp_path):
    """Preview passes while staff A also holds B; B is withdrawn before commit: nothing is written."""
    world.staff_a.neighborhoods.add(world.hood_b)
    rng = random.Random(9)
    rows = [resident_row(world.hood_a.name, str(200 + i), rng=rng) for i in range(5)]
    rows.append(resident_row(world.hood_b.name, "299", rng=rng))
    path = xlsx(tmp_path, HEADERS, rows)
    from fangkong.core.scope import clear_scope_cache

    clear_scope_cache(world.staff_a)
    assert preview_import(HOUSEHOLDS, path, actor=world.staff_a).ok
    world.staff_a.neighborhoods.remove(world.hood_b)  # the actor object still caches the old scope
    before = table_counts()
    with pytest.raises(ImportRefused) as exc:
        run_import(HOUSEHOLDS, path, actor=world.staff_a)
    assert errors_of(exc.value.report) == [(7, "居民区")]
    assert table_counts() == before


def test_staff_cannot_move_a_resident_of_another_neighborhood(world, tmp_path):
    id_number = make_id_number(random.Random(10))
    from fangkong.registry.services import set_personal

    set_personal(world.resident_b, {"id_number": id_number})
    world.resident_b.save()
    path = xlsx(tmp_path, HEADERS, [resident_row(world.hood_a.name, 证件号码=id_number)])
    report = preview_import(HOUSEHOLDS, path, actor=world.staff_a)
    assert errors_of(report) == [(2, "证件号码")]


def test_double_commit_is_idempotent(world, tmp_path):
    rng = random.Random(11)
    path = xlsx(tmp_path, HEADERS, [resident_row(world.hood_a.name, str(400 + i), rng=rng) for i in range(4)])
    token = "x" * 32
    first = run_import(HOUSEHOLDS, path, actor=world.staff_a, token=token)
    after_first = table_counts()
    second = run_import(HOUSEHOLDS, path, actor=world.staff_a, token=token)
    assert table_counts() == after_first
    assert second.counts["create"] == first.counts["create"] == 4
    assert second.counts["already_imported"] == 1


def test_reimport_of_changed_values_updates(world, tmp_path):
    rng = random.Random(12)
    row = resident_row(world.hood_a.name, "501", rng=rng)
    run_import(HOUSEHOLDS, xlsx(tmp_path, HEADERS, [row]), actor=world.staff_a)
    changed = list(row)
    changed[4] = "张三丰"
    changed[3] = "502"
    report = run_import(HOUSEHOLDS, xlsx(tmp_path, HEADERS, [changed], name="2.xlsx"), actor=world.staff_a)
    assert report.counts["update"] == 1
    resident = Resident.objects.get(id_number_hash=crypto.lookup_hash("id_number", row[6]))
    assert resident.name == "张三丰" and resident.household.room == "502" and resident.version == 2


def _export(fmt, user, path: Path) -> Path:
    count = write_xlsx(fmt, fmt.export_rows(user, fmt.export_queryset(user)), path)
    assert count == fmt.export_queryset(user).count()
    return path


@pytest.mark.parametrize("persona", ["hq", "staff_a"])
def test_households_export_reimports_unchanged(world, tmp_path, persona):
    user = getattr(world, persona)
    rng = random.Random(13)
    rows = [resident_row(world.hood_a.name, str(600 + i // 2), rng=rng) for i in range(6)]
    rows.append(resident_row(world.hood_a.name, "700", rng=rng, 手机号码=""))
    run_import(HOUSEHOLDS, xlsx(tmp_path, HEADERS, rows), actor=world.hq)
    path = _export(HOUSEHOLDS, user, tmp_path / "export.xlsx")
    snapshot = list(Resident.objects.order_by("pk").values())
    before = table_counts()
    report = run_import(HOUSEHOLDS, path, actor=user)
    assert report.ok
    assert report.counts["create"] == 0 and report.counts["update"] == 0
    assert report.counts["unchanged"] == Resident.objects.visible_to(user).count()
    assert list(Resident.objects.order_by("pk").values()) == snapshot
    assert table_counts()[:4] == before[:4]
    # staff see masked values in their export (no reveal permission); HQ sees plaintext
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    ids = [str(r[7]) for r in sheet[1:]]
    assert all("*" in i for i in ids) == (persona == "staff_a")


# ---------------------------------------------------------------------------------------- other formats

ORG_HEADERS = ["名称", "类型", "统一社会信用代码", "行业", "地址", "居民区", "联系人", "联系电话", "员工数"]


def test_organizations_import_validates_credit_code_and_round_trips(world, tmp_path):
    rows = [
        [
            "甲公司",
            "企业",
            "91310000MA1FL4UU5D",
            "软件",
            "万安路1号",
            world.hood_a.name,
            "王五",
            make_phone(),
            12,
        ],
        ["乙酒店", "酒店", "", "住宿", "万安路2号", world.hood_a.name, "", "", ""],
    ]
    from stdnum.cn import uscc

    rows[0][2] = "91310000MA1FL4UU5" + uscc.calc_check_digit("91310000MA1FL4UU5")
    bad = [
        "丙公司",
        "企业",
        "91310000MA1FL4UU5X" if rows[0][2][-1] != "X" else "91310000MA1FL4UU50",
        "",
        "",
        world.hood_a.name,
        "",
        "",
        "",
    ]
    report = preview_import(ORGANIZATIONS, xlsx(tmp_path, ORG_HEADERS, [*rows, bad]), actor=world.staff_a)
    assert errors_of(report) == [(4, "统一社会信用代码")]
    report = run_import(ORGANIZATIONS, xlsx(tmp_path, ORG_HEADERS, rows, name="ok.xlsx"), actor=world.staff_a)
    assert report.counts["create"] == 2
    org = Organization.objects.get(name="甲公司")
    assert org.contact_phone_hash == crypto.lookup_hash("phone", rows[0][7]) and org.employees == 12
    for persona in ("hq", "staff_a"):
        user = getattr(world, persona)
        path = _export(ORGANIZATIONS, user, tmp_path / f"org-{persona}.xlsx")
        snapshot = list(Organization.objects.order_by("pk").values())
        report = run_import(ORGANIZATIONS, path, actor=user)
        assert report.counts["create"] == 0 and report.counts["update"] == 0
        assert list(Organization.objects.order_by("pk").values()) == snapshot


def test_organizations_staff_cannot_import_into_other_neighborhood(world, tmp_path):
    rows = [["丁公司", "企业", "", "", "", world.hood_b.name, "", "", ""]]
    report = preview_import(ORGANIZATIONS, xlsx(tmp_path, ORG_HEADERS, rows), actor=world.staff_a)
    assert errors_of(report) == [(2, "居民区")]


def test_cadres_import_and_round_trip(world, tmp_path):
    headers = ["姓名", "条线部门", "手机号码", "居住居民区", "党员", "技能"]
    phone = make_phone(random.Random(14))
    rows = [
        ["李四", world.dept.name, phone, world.hood_a.name, "是", "医护"],
        ["王二", "不存在的局", make_phone(), "", "", ""],
        ["赵一", world.dept.name, phone, "", "", ""],
    ]
    report = preview_import(CADRES, xlsx(tmp_path, headers, rows), actor=world.hq)
    assert sorted(errors_of(report)) == [(3, "条线部门"), (4, "姓名")]
    report = run_import(CADRES, xlsx(tmp_path, headers, rows[:1], name="ok.xlsx"), actor=world.hq)
    cadre = SupportCadre.objects.get()
    assert cadre.phone_hash == crypto.lookup_hash("phone", phone) and cadre.skills == "医护"
    path = _export(CADRES, world.hq, tmp_path / "c.xlsx")
    report = run_import(CADRES, path, actor=world.hq)
    assert report.counts["unchanged"] == 1 and report.counts["create"] == 0
    # match by phone: a changed name updates the same cadre
    rows[0][0] = "李四四"
    report = run_import(CADRES, xlsx(tmp_path, headers, rows[:1], name="u.xlsx"), actor=world.hq)
    assert report.counts["update"] == 1 and SupportCadre.objects.get().name == "李四四"


def test_volunteers_import_and_round_trip(world, tmp_path):
    headers = ["姓名", "手机号码", "居民区", "技能", "可服务时间", "党员"]
    rows = [["赵六", make_phone(random.Random(15)), world.hood_a.name, "送餐", "周末", "否"]]
    report = run_import(VOLUNTEERS, xlsx(tmp_path, headers, rows), actor=world.staff_a)
    assert report.counts["create"] == 1
    for persona in ("staff_a", "hq"):
        user = getattr(world, persona)
        path = _export(VOLUNTEERS, user, tmp_path / f"v-{persona}.xlsx")
        snapshot = list(Volunteer.objects.order_by("pk").values())
        report = run_import(VOLUNTEERS, path, actor=user)
        assert report.counts["unchanged"] == 1
        assert list(Volunteer.objects.order_by("pk").values()) == snapshot
    bad = [["钱七", "1234", world.hood_b.name, "", "", ""]]
    report = preview_import(VOLUNTEERS, xlsx(tmp_path, headers, bad, name="bad.xlsx"), actor=world.staff_a)
    assert (2, "手机号码") in errors_of(report)


def test_export_is_written_in_memory_too(world):
    out = io.BytesIO()
    write_xlsx(VOLUNTEERS, [], out)
    assert out.getvalue()[:2] == b"PK"


# A NUL cannot be typed into openpyxl; the xlsx escape _x0000_ is what a spreadsheet holding one contains.
BAD_NAMES = [
    ("张_x0000_三", "不可见字符"),
    ("张\u202e三", "不可见字符"),
    ("张\u200b三", "不可见字符"),
    ("张" * 51, "50"),
]


@pytest.mark.parametrize("name,needle", BAD_NAMES, ids=["nul", "bidi", "zero-width", "too-long"])
def test_bad_person_names_are_row_errors(world, tmp_path, name, needle):
    rng = random.Random(21)
    cases = [
        (HOUSEHOLDS, HEADERS, [resident_row(world.hood_a.name, "201", rng=rng, **{"姓名": name})], "姓名"),
        (
            CADRES,
            ["姓名", "条线部门", "手机号码"],
            [[name, world.dept.name, make_phone(rng)]],
            "姓名",
        ),
        (
            VOLUNTEERS,
            ["姓名", "手机号码", "居民区"],
            [[name, make_phone(rng), world.hood_a.name]],
            "姓名",
        ),
        (
            ORGANIZATIONS,
            ["名称", "类型", "联系人", "联系电话"],
            [["某某公司", "企业", name, make_phone(rng)]],
            "联系人",
        ),
    ]
    for fmt, headers, rows, column in cases:
        path = xlsx(tmp_path, headers, rows, name=f"{fmt.slug}.xlsx")
        before = (
            table_counts(),
            SupportCadre.objects.count(),
            Volunteer.objects.count(),
            Organization.objects.count(),
        )
        report = preview_import(fmt, path, actor=world.hq)
        assert (2, column) in errors_of(report), (fmt.slug, report.errors)
        assert any(needle in e.message for e in report.errors), report.errors
        with pytest.raises(ImportRefused):
            run_import(fmt, path, actor=world.hq)
        after = (
            table_counts(),
            SupportCadre.objects.count(),
            Volunteer.objects.count(),
            Organization.objects.count(),
        )
        assert after == before

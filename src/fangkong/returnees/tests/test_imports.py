import datetime as dt
import random

import pytest
from django.utils import timezone
from openpyxl import Workbook

from fangkong.core.spreadsheets import ImportRefused, get_format, preview_import, run_import
from fangkong.core.testing import make_id_number
from fangkong.returnees.models import Declaration, Isolation

pytestmark = pytest.mark.django_db


def _file(tmp_path, rows):
    fmt = get_format("returnees-screening")
    wb = Workbook()
    ws = wb.active
    ws.append(fmt.headers)
    for r in rows:
        ws.append(r)
    path = tmp_path / "list.xlsx"
    wb.save(path)
    return path


def _row(id_number, **kw):
    today = timezone.localdate()
    base = {
        "pk": "",
        "hood": "安汾居民区",
        "compound": "安汾小区",
        "building": "1号",
        "room": "502",
        "name": "张三",
        "doc_type": "居民身份证",
        "id_number": id_number,
        "phone": "13812345678",
        "origin": "420100",
        "origin_name": "",
        "transport": "火车",
        "number": "G1722",
        "dep": (today - dt.timedelta(days=3)).isoformat(),
        "arr": (today - dt.timedelta(days=2)).isoformat(),
        "key": "是",
        "exp": "否",
        "sym": "否",
        "emp": "",
        "mem": "李四（配偶）",
    }
    base.update(kw)
    return list(base.values())


def test_screening_list_preview_then_commit(world, tmp_path):
    rng = random.Random(4)
    good = _row(make_id_number(rng))
    path = _file(
        tmp_path,
        [good, _row(make_id_number(rng), origin="999999"), _row(make_id_number(rng), building="99号")],
    )
    fmt = get_format("returnees-screening")
    report = preview_import(fmt, path, actor=world.staff_a)
    assert report.error_count == 2 and Declaration.objects.count() == 0
    messages = " ".join(p.message for p in report.errors)
    assert "999999" in messages and "楼栋不存在" in messages
    with pytest.raises(ImportRefused):
        run_import(fmt, path, actor=world.staff_a)
    assert Declaration.objects.count() == 0
    clean = _file(tmp_path, [good, _row(make_id_number(rng), name="王五", origin="310101", key="否")])
    report = run_import(fmt, clean, actor=world.staff_a)
    assert report.counts["create"] == 2 and Declaration.objects.count() == 2
    assert Isolation.objects.count() == 1
    assert Declaration.objects.get(name="张三").household_members == [{"name": "李四", "relation": "配偶"}]
    # Re-importing merges, never duplicates.
    report = run_import(fmt, clean, actor=world.staff_a)
    assert report.counts["update"] == 2 and Declaration.objects.count() == 2


def test_other_neighborhood_rows_are_refused(world, tmp_path):
    path = _file(tmp_path, [_row(make_id_number(random.Random(9)))])
    report = preview_import(get_format("returnees-screening"), path, actor=world.staff_b)
    assert report.error_count == 1


@pytest.mark.parametrize(
    "persona, status", [("staff_a", 200), ("hq", 200), ("org_contact", 404), ("anonymous", 302)]
)
def test_io_pages(as_persona, persona, status):
    response = as_persona(persona).get("/io/returnees-screening/import/")
    assert response.status_code == status


# ---------------------------------------------------------------- round trip


def _export(fmt, user, path):
    from fangkong.core.spreadsheets import write_xlsx

    write_xlsx(fmt, fmt.export_rows(user, fmt.export_queryset(user)), str(path))
    return path


def _state():
    from fangkong.core.models import AuditEvent

    decls = list(Declaration.objects.order_by("pk").values())
    isos = list(Isolation.objects.order_by("pk").values())
    return decls, isos, AuditEvent.objects.exclude(action="import").count()


@pytest.fixture
def screened(world, make_input):
    """Three declarations of neighborhood A: isolated (Wuhan), green with an employer, one with members."""
    from fangkong.returnees import services

    rng = random.Random(21)
    services.declare_return(actor=world.staff_a, data=make_input(id_number=make_id_number(rng)))
    services.declare_return(
        actor=world.staff_a,
        data=make_input(
            id_number=make_id_number(rng),
            name="李雷",
            origin_code="310101",
            transport="self_drive",
            transport_number="",
            employer_name="上海粤海大酒店",
        ),
    )
    services.declare_return(
        actor=world.staff_a,
        data=make_input(
            id_number=make_id_number(rng),
            name="韩梅梅",
            origin_code="330300",
            exposure=True,
            household_members=[{"name": "韩父", "relation": "父亲"}, {"name": "小明", "relation": ""}],
        ),
    )
    assert Declaration.objects.count() == 3


@pytest.mark.parametrize("persona", ["hq", "staff_a"])
def test_export_then_reimport_changes_nothing(world, screened, tmp_path, persona):
    user = getattr(world, persona)
    assert user.may_reveal_personal_data == (persona == "hq")
    fmt = get_format("returnees-screening")
    path = _export(fmt, user, tmp_path / "export.xlsx")
    from python_calamine import CalamineWorkbook

    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert cells[0][0] == "编号"
    id_cells = [row[fmt.headers.index("证件号码")] for row in cells[1:]]
    assert all(("*" in c) != (persona == "hq") for c in id_cells)
    before = _state()
    preview = preview_import(fmt, path, actor=user)
    assert preview.ok and preview.counts["unchanged"] == 3, [p.message for p in preview.errors]
    report = run_import(fmt, path, actor=user)
    assert report.ok and dict(report.counts) == {"unchanged": 3}
    assert _state() == before


def test_masked_export_with_an_edit_updates_only_that_row(world, screened, tmp_path):
    from openpyxl import load_workbook

    fmt = get_format("returnees-screening")
    path = _export(fmt, world.staff_a, tmp_path / "export.xlsx")
    wb = load_workbook(path)
    ws = wb.active
    room_col = fmt.headers.index("室号") + 1
    ws.cell(row=2, column=room_col, value="808")
    wb.save(path)
    target = Declaration.objects.order_by("pk").first()
    id_hash, phone_hash = target.id_number_hash, target.phone_hash
    report = run_import(fmt, path, actor=world.staff_a)
    assert report.counts["update"] == 1 and report.counts["unchanged"] == 2
    target.refresh_from_db()
    assert target.room == "808" and target.merge_count == 1
    # The masked cells stood for the stored numbers: identity and phone are kept, not replaced by masks.
    assert target.id_number_hash == id_hash and target.phone_hash == phone_hash
    assert Declaration.objects.count() == 3


def test_record_key_is_checked(world, screened, tmp_path):
    from openpyxl import load_workbook

    fmt = get_format("returnees-screening")
    path = _export(fmt, world.staff_a, tmp_path / "export.xlsx")
    wb = load_workbook(path)
    ws = wb.active
    id_col = fmt.headers.index("证件号码") + 1
    arr_col = fmt.headers.index("抵沪日期") + 1
    ws.cell(row=2, column=id_col, value=make_id_number(random.Random(99)))  # another person under the key
    other_day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    ws.cell(row=3, column=arr_col, value=other_day)  # another trip under the key
    ws.cell(row=4, column=1, value=999999)  # an unknown key
    wb.save(path)
    before = _state()
    report = preview_import(fmt, path, actor=world.staff_a)
    messages = " ".join(p.message for p in report.errors)
    assert report.error_count == 3
    assert "证件号码与编号对应的记录不一致" in messages and "行程" in messages and "不存在" in messages
    with pytest.raises(ImportRefused):
        run_import(fmt, path, actor=world.staff_a)
    assert _state() == before


def test_record_key_outside_scope_is_refused(world, screened, tmp_path):
    fmt = get_format("returnees-screening")
    path = _export(fmt, world.hq, tmp_path / "export.xlsx")
    report = preview_import(fmt, path, actor=world.staff_b)
    assert report.error_count == 3 and "不在您的管辖范围内" in report.errors[0].message


def test_description_documents_the_record_key():
    assert "编号" in str(get_format("returnees-screening").description)
    assert "脱敏" in str(get_format("returnees-screening").description)

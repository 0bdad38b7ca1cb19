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
        "hood": "安汾居民区",
        "compound": "安汾小区",
        "building": "1号",
        "room": "502",
        "name": "张三",
        "doc_type": "居民身份证",
        "id_number": id_number,
        "phone": "13812345678",
        "origin": "420100",
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

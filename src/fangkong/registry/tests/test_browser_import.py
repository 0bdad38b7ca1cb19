"""Browser flow: neighborhood staff upload a household spreadsheet with one bad row and see its error."""

from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD, make_id_number
from fangkong.registry.models import Resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sheet(path: Path, hood: str) -> Path:
    good = make_id_number()
    bad = make_id_number()
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")  # wrong check digit
    wb = Workbook()
    ws = wb.active
    ws.append(["居民区", "小区", "楼号", "室号", "姓名", "证件号码", "手机号码"])
    ws.append([hood, "安汾小区", "3号", "201", "李梅", good, "13912345678"])
    ws.append([hood, "安汾小区", "3号", "202", "王强", bad, "13912345679"])
    wb.save(path)
    return path


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_import_with_a_bad_row_shows_its_error(world, live_server, browser_context, tmp_path, width, height):
    before = Resident.objects.count()
    xlsx = _sheet(tmp_path / "households.xlsx", world.hood_a.name)
    page = browser_context(width, height).new_page()
    login_in_browser(page, live_server, "staff_a", PASSWORD)
    page.goto(f"{live_server.url}/registry/households/")
    page.click("a[href='/io/households/import/']")
    page.set_input_files("input[type=file]", str(xlsx))
    page.click("text=上传并预览")
    page.wait_for_selector("#errors")
    errors = page.inner_text("#errors")
    assert "3" in errors and "证件号码" in errors and "校验位" in errors
    assert page.query_selector("#commit") is None  # nothing can be committed while a row is bad
    assert Resident.objects.count() == before

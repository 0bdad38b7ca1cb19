"""Browser flow: neighborhood staff add a household with a resident and see the ID masked."""

import re

import pytest

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD, make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_staff_add_household_and_resident(world, live_server, browser_context, width, height):
    page = browser_context(width, height).new_page()
    login_in_browser(page, live_server, "staff_a", PASSWORD)
    assert "居委A" in page.content()

    page.goto(f"{live_server.url}/registry/households/add/")
    page.select_option("#id_building", str(world.building_a.pk))
    page.fill("#id_room", "1201")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/registry/households/\d+/$"))
    assert "已保存" in page.content()

    page.click("text=添加居民")
    id_number = make_id_number()
    page.fill("#id_name", "郭文俊")
    page.fill("#id_id_number", id_number)
    page.fill("#id_phone", "13812345678")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/registry/residents/\d+/$"))
    body = page.content()
    masked = id_number[:3] + "*" * 11 + id_number[-4:]
    assert masked in body
    assert id_number not in body
    assert "138****5678" in body

    # the household page lists the resident, masked
    page.click("text=返回列表")
    page.goto(f"{live_server.url}/registry/households/?q=1201")
    page.click("text=1201")
    assert "郭文俊" in page.content() and masked in page.content()


def test_bad_id_shows_a_clear_error(world, live_server, browser_context):
    page = browser_context(390, 844).new_page()
    login_in_browser(page, live_server, "staff_a", PASSWORD)
    page.goto(f"{live_server.url}/registry/residents/add/?household={world.household_a.pk}")
    page.fill("#id_name", "张三")
    page.fill("#id_id_number", "310109199001011230")
    page.click("button[type=submit]")
    assert "校验位不正确" in page.content()


def test_live_search_for_an_id_number_keeps_it_out_of_the_address(world, live_server, browser_context):
    from fangkong.core import crypto

    plain = crypto.decrypt(world.resident_a.id_number_enc)
    page = browser_context(1280, 900).new_page()
    login_in_browser(page, live_server, "staff_a", PASSWORD)
    page.goto(f"{live_server.url}/registry/residents/")
    page.fill("input[name=q]", plain)
    page.wait_for_url(re.compile(r"\?qt="))
    assert plain not in page.url
    page.wait_for_function("document.querySelectorAll('#rows tbody tr').length === 1")
    assert world.resident_a.name in page.inner_text("#rows")
    # the search button posts too
    page.click("form.toolbar button[type=submit]")
    page.wait_for_load_state()
    assert "qt=" in page.url and plain not in page.url
    assert world.resident_a.name in page.inner_text("#rows")

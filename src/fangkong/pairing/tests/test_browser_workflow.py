"""Browser checks, at 1280 and 390 px, of what users saw wrong: the coverage board hid building gaps, the
cadre's task list showed other people's tasks with editable status, and the heat map cut off today."""

import pytest

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD
from fangkong.pairing import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(1280, 900), (390, 844)]


@pytest.fixture
def tasks_world(pw):
    w = pw.w
    pw.pairing_b = services.pair_cadre(actor=w.hq, cadre=pw.cadre_b, point=pw.point_a)
    pw.own = services.create_task(
        actor=w.hq, pairing=pw.pairing_a, title="我的巡查", owner_name="张老师", recurrence="daily"
    )
    pw.other = services.create_task(
        actor=w.hq, pairing=pw.pairing_b, title="别人的巡查", owner_name="李科员", recurrence="daily"
    )
    return pw


def _no_page_overflow(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_board_shows_a_point_whose_buildings_have_no_owner(pw, live_server, browser_context, width, height):
    page = browser_context(width, height).new_page()
    login_in_browser(page, live_server, "hq", PASSWORD)
    page.goto(f"{live_server.url}/pairing/")
    row = page.locator(f"tr[data-point='{pw.point_a.pk}']")
    assert row.get_attribute("class") == "state-gap"
    badge = row.locator("[data-unowned]")
    assert badge.is_visible() and "1 栋楼无人包干" in badge.inner_text()
    box = badge.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width
    kpis = page.inner_text("#board-kpis")
    _no_page_overflow(page, width)
    page.click("text=只看缺口")
    page.wait_for_load_state("networkidle")
    assert page.locator(f"tr[data-point='{pw.point_a.pk}']").count() == 1
    assert page.inner_text("#board-kpis") == kpis  # the cards keep the whole scope's figures
    # the badge leads to the buildings with no owner
    page.locator(f"tr[data-point='{pw.point_a.pk}'] [data-unowned]").click()
    page.wait_for_load_state("networkidle")
    assert "missing=1" in page.url and pw.w.building_a.name in page.content()


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_cadre_sees_own_tasks_first_and_no_status_control_on_others(
    tasks_world, live_server, browser_context, width, height
):
    pw = tasks_world
    services.assign_building(actor=pw.w.hq, building=pw.w.building_a, cadre=pw.cadre_a)
    page = browser_context(width, height).new_page()
    login_in_browser(page, live_server, "cadre", PASSWORD)
    page.goto(f"{live_server.url}/pairing/tasks/")
    mine = page.locator("#my-buildings").bounding_box()
    table = page.locator("#task-list").bounding_box()
    assert mine is not None and table is not None and mine["y"] < table["y"]
    text = page.inner_text("#task-list")
    assert "我的巡查" in text and "别人的巡查" not in text
    _no_page_overflow(page, width)
    # the status select submits by itself (static script, no inline handler)
    page.locator(f"tr[data-task='{pw.own.pk}'] select[name=status]").select_option("done")
    page.wait_for_load_state("networkidle")
    assert "任务状态已更新" in page.content()
    page.click("#who-all")
    page.wait_for_load_state("networkidle")
    other = page.locator(f"tr[data-task='{pw.other.pk}']")
    assert other.count() == 1 and other.locator("select").count() == 0
    assert page.locator(f"tr[data-task='{pw.own.pk}'] select").count() == 1


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_heat_map_shows_today(pw, live_server, browser_context, width, height):
    page = browser_context(width, height).new_page()
    login_in_browser(page, live_server, "hq", PASSWORD)
    page.goto(f"{live_server.url}/pairing/rounds/")
    page.wait_for_load_state("networkidle")
    wrap = page.locator("#heat-wrap").bounding_box()
    today = page.locator("#heat-wrap th[data-today]").bounding_box()
    assert wrap is not None and today is not None
    assert wrap["x"] <= today["x"] and today["x"] + today["width"] <= wrap["x"] + wrap["width"] + 1
    _no_page_overflow(page, width)

"""A ticket worked from a phone (390 px): committee staff open it (routed and dispatched at once), the gas
unit's crew responds, arrives, makes a temporary fix, records the household's consent, repairs and closes it."""

import pytest

from conftest import login_in_browser
from fangkong.core.testing import PASSWORD
from fangkong.tickets.choices import TicketState
from fangkong.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ticket_worked_from_a_phone(world, gas, live_server, browser_context):
    staff = browser_context(390, 844).new_page()
    login_in_browser(staff, live_server, "staff_a", PASSWORD)
    staff.goto(f"{live_server.url}/tickets/new/")
    staff.select_option("#id_building", str(world.building_a.pk))
    staff.fill("#id_room", "101")
    staff.select_option("#id_kind", "gas_leak")
    staff.fill("#id_phone", "13912345678")
    staff.click("form.card button.btn-primary")
    staff.wait_for_selector("text=已派单")
    assert staff.evaluate("document.documentElement.scrollWidth") <= 390
    ticket = Ticket.objects.get()
    assert ticket.state == TicketState.DISPATCHED and ticket.unit == gas

    crew = browser_context(390, 844).new_page()
    login_in_browser(crew, live_server, gas.members_list[2].user.username, PASSWORD)
    crew.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    for state in ("responded", "on_site", "temp_fix", "awaiting_consent"):
        crew.click(f"button[data-state={state}]")
        crew.wait_for_load_state("networkidle")
        assert crew.evaluate("document.documentElement.scrollWidth") <= 390
    crew.fill("#id_who", "户主王先生")
    crew.click("text=记录同意")
    crew.wait_for_load_state("networkidle")
    for state in ("full_repair", "done"):
        crew.click(f"button[data-state={state}]")
        crew.wait_for_load_state("networkidle")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DONE and ticket.consent_by == "户主王先生"
    assert list(ticket.events.values_list("to_state", flat=True)) == [
        "new",
        "dispatched",
        "responded",
        "on_site",
        "temp_fix",
        "awaiting_consent",
        "full_repair",
        "done",
    ]
    assert "已完成" in crew.content()

"""The tickets figures on the HQ dashboard against a hand-built fixture: opened on the day, open, and open
past an SLA deadline, each equal to the list it links to; staff of another neighborhood count none of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from fangkong.command import board
from fangkong.tickets import services
from fangkong.tickets.choices import TicketKind, TicketState
from fangkong.tickets.models import Ticket

pytestmark = pytest.mark.django_db
TOTAL_RE = re.compile(r"data-total>(\d+)<")


def test_the_tickets_figures_match_the_hand_built_fixture(world, gas, client):
    now = timezone.now()
    fresh = services.open_ticket(
        actor=world.staff_a, building=world.building_a, kind=TicketKind.GAS_LEAK, room="101"
    )
    late = services.open_ticket(
        actor=world.staff_a,
        building=world.building_a,
        kind=TicketKind.NO_GAS,
        room="101",
        now=now - dt.timedelta(hours=1),  # its 10-minute response deadline has passed
    )
    done = services.open_ticket(
        actor=world.staff_a, building=world.building_a, kind=TicketKind.GAS_LEAK, room="101"
    )
    Ticket.objects.filter(pk=done.pk).update(state=TicketState.DONE, closed_at=now)
    Ticket.objects.filter(pk=late.pk).update(
        opened_at=now - dt.timedelta(days=1)
    )  # opened yesterday, still open
    today = timezone.localdate()
    b = board.compute(world.hq, today)
    assert b.value("tickets.opened") == 2  # fresh and done
    assert b.value("tickets.open") == 2  # fresh and late
    assert b.value("tickets.breached") == 1  # late only
    assert b.value("tickets.breached", world.hood_a.pk) == 1
    client.force_login(world.hq)
    for key in ("tickets.opened", "tickets.open", "tickets.breached"):
        page = client.get(b.link(key))
        assert int(TOTAL_RE.search(page.content.decode()).group(1)) == b.value(key), key
    assert board.compute(world.staff_b, today).value("tickets.open") == 0
    assert fresh.pk != late.pk


def test_the_home_panel_counts_the_open_tickets(world, gas, client):
    services.open_ticket(actor=world.staff_a, building=world.building_a, kind=TicketKind.GAS_LEAK, room="101")
    client.force_login(world.hq)
    page = client.get("/").content.decode()
    assert "未完成报修 1 件" in page

"""SLA clocks: the duty person is warned before a clock runs out, the unit's lead and HQ when it has; each
exactly once per ticket and clock. The board keeps a constant number of queries."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.models import Notification
from fangkong.tickets import selectors, services
from fangkong.tickets.choices import TicketKind, TicketState
from fangkong.tickets.models import TicketAlert
from fangkong.tickets.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_warning_then_breach_each_once(world, rostered):
    start = at(timezone.localdate(), 10)
    ticket = services.open_ticket(
        actor=world.staff_a, building=world.building_a, room="101", kind=TicketKind.GAS_LEAK, now=start
    )
    duty_user = ticket.assignee.unit_member.user
    lead = rostered.members_list[0].user
    assert services.sweep_sla(now=start + dt.timedelta(minutes=2)) == {"warnings": 0, "breaches": 0}
    # 10-minute response: warned 5 minutes before, once
    assert services.sweep_sla(now=start + dt.timedelta(minutes=6))["warnings"] == 1
    assert services.sweep_sla(now=start + dt.timedelta(minutes=7))["warnings"] == 0
    assert Notification.objects.filter(recipient=duty_user, kind="tickets.sla_warn").count() == 1
    assert not Notification.objects.filter(recipient=lead, kind="tickets.sla_warn").exists()
    # breached: the lead, the dispatcher and HQ, once
    assert services.sweep_sla(now=start + dt.timedelta(minutes=11))["breaches"] == 1
    assert services.sweep_sla(now=start + dt.timedelta(minutes=12))["breaches"] == 0
    for user in (lead, rostered.members_list[1].user, world.hq):
        assert Notification.objects.filter(recipient=user, kind="tickets.sla_breach").count() == 1
    if duty_user not in (lead, rostered.members_list[1].user):  # crew: warned, not escalated to
        assert not Notification.objects.filter(recipient=duty_user, kind="tickets.sla_breach").exists()
    assert TicketAlert.objects.filter(ticket=ticket).count() == 2


def test_a_met_clock_never_alerts(world, gas):
    start = timezone.now()
    ticket = services.open_ticket(
        actor=world.hq, building=world.building_a, room="101", kind=TicketKind.GAS_LEAK, now=start
    )
    services.advance(
        actor=gas.members_list[2].user,
        ticket=ticket,
        to_state=TicketState.RESPONDED,
        now=start + dt.timedelta(minutes=3),
    )
    services.sweep_sla(now=start + dt.timedelta(minutes=15))
    assert not TicketAlert.objects.filter(ticket=ticket, clock="respond").exists()
    clocks = {c.clock: c.state for c in selectors.clocks(ticket, start + dt.timedelta(minutes=15))}
    ticket.refresh_from_db()
    clocks = {c.clock: c.state for c in selectors.clocks(ticket, start + dt.timedelta(minutes=15))}
    assert clocks["respond"] == "met" and clocks["arrive"] == "ok"


@pytest.mark.parametrize("n", [10, 200])
def test_board_query_count_is_constant(world, gas, n, django_assert_max_num_queries):
    from fangkong.tickets.models import Ticket

    first = services.open_ticket(
        actor=world.hq, building=world.building_a, room="101", kind=TicketKind.GAS_LEAK
    )
    rows = []
    for _i in range(n - 1):
        first.pk = None
        first.public_key = None
        rows.append(
            Ticket(
                **{
                    f.attname: getattr(first, f.attname)
                    for f in Ticket._meta.concrete_fields
                    if f.attname != "id"
                }
            )
        )
    Ticket.objects.bulk_create(rows)
    with django_assert_max_num_queries(4):
        board = selectors.board(world.hq)
        html = "".join(
            f"{r.ticket.number}{r.ticket.building.compound.name}{r.ticket.unit.organization.name}"
            for r in board
        )
    assert len(board) == n and html


def test_weekly_performance(world, gas):
    start = timezone.now() - dt.timedelta(days=1)
    t1 = services.open_ticket(
        actor=world.hq, building=world.building_a, room="101", kind=TicketKind.GAS_LEAK, now=start
    )
    services.advance(
        actor=world.hq, ticket=t1, to_state=TicketState.RESPONDED, now=start + dt.timedelta(minutes=5)
    )
    t2 = services.open_ticket(
        actor=world.hq, building=world.building_a, room="101", kind=TicketKind.GAS_LEAK, now=start
    )
    services.advance(
        actor=world.hq, ticket=t2, to_state=TicketState.RESPONDED, now=start + dt.timedelta(minutes=25)
    )
    weeks = selectors.weekly_performance(world.hq, gas, weeks=2)
    assert sum(w.total for w in weeks) == 2
    assert sum(w.counts["respond"]["met"] for w in weeks) == 1
    assert sum(w.counts["respond"]["missed"] for w in weeks) == 1


def test_board_and_ticket_show_each_clock_in_words_and_colour(world, gas, client):
    """On time, about to breach and breached: a colour class and the same state in words (not colour alone)."""
    from django.urls import reverse

    from fangkong.tickets.models import Ticket

    now = timezone.now()
    made = {}
    for name, minutes_ago in (("ok", 1), ("warn", 8), ("breached", 15)):
        ticket = services.open_ticket(
            actor=world.staff_a,
            building=world.building_a,
            room="101",
            kind=TicketKind.GAS_LEAK,
            now=now - dt.timedelta(minutes=minutes_ago),
        )
        made[name] = ticket
    client.force_login(world.staff_a)
    board = client.get(reverse("tickets:board")).content.decode()
    assert "tickets/tickets.css" in board
    for state, words in (("ok", "按时"), ("warn", "即将超时"), ("breached", "已超时")):
        assert f'<tr class="row-{state}">' in board
        page = client.get(reverse("tickets:detail", args=[made[state].pk])).content.decode()
        clocks = page.split('id="clocks"')[1].split("</p>")[0]
        assert f"clock-{state}" in clocks and words in clocks
    assert Ticket.objects.filter(pk=made["breached"].pk, respond_due__lt=now).exists()

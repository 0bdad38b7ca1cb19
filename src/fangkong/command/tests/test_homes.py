"""Each role's home page is their day: committee staff see today's to-dos, a cadre their buildings, shifts,
tasks, points and alerts, an office its domains' figures, an organisation contact its unit, a district
viewer the sub-districts and an auditor the audit log. Every to-do's count equals the length of the list it
links to (against a hand-built fixture), and the home page's query count does not grow with the data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.care import services as care_services
from fangkong.care.models import CareRecord
from fangkong.command.tests.test_board import fixture  # noqa: F401
from fangkong.core import notify
from fangkong.core.models import AuditEvent
from fangkong.core.todos import todos_for
from fangkong.inspections.models import Firm
from fangkong.inspections.tests.conftest import office  # noqa: F401
from fangkong.masks.tests.conftest import People
from fangkong.pairing import services as pairing_services
from fangkong.pairing.choices import RoundStatus
from fangkong.pairing.models import CheckInRound
from fangkong.pairing.tests.conftest import pw  # noqa: F401
from fangkong.registry.models import Organization
from fangkong.returnees import services as returnee_services
from fangkong.returnees.tests.conftest import make_input  # noqa: F401
from fangkong.tickets import services as ticket_services
from fangkong.tickets.choices import TicketKind
from fangkong.tickets.tests.conftest import gas  # noqa: F401

pytestmark = pytest.mark.django_db

# How many rows the list behind each to-do shows, read from its page.
ROWS = {
    "pairing.checkins_missed": lambda html: html.count("data-missed"),
    "care.missed": lambda html: len(set(re.findall(r'href="/care/people/(\d+)/"', html))),
    "tickets.open": lambda html: len(set(re.findall(r'href="/tickets/(\d+)/"', html))),
    "inspections.not_called": lambda html: len(set(re.findall(r'href="/inspections/firms/(\d+)/"', html))),
}


def rows_of(key: str, html: str) -> int:
    if key in ROWS:
        return ROWS[key](html)
    return html.count("data-row")  # a dashboard figure's drill-down list


@pytest.fixture
def day_of_work(fixture, gas, office):  # noqa: F811
    """The dashboard's fixture (check-ins, a fever, bookings waiting) plus: in neighborhood A, a round past
    its deadline, a person in care whose delivery of this week is missed (when the week has a day gone), two
    open tickets and a firm to call; in neighborhood B one open ticket."""
    w = fixture.w
    now = timezone.now()
    pending = CheckInRound.objects.filter(date=timezone.localdate()).exclude(status=RoundStatus.DONE)
    pending.update(due_at=now + dt.timedelta(hours=1))  # whatever the hour the test runs at
    pending = pending.filter(neighborhood=w.hood_a)
    CheckInRound.objects.filter(pk=pending.order_by("pk").last().pk).update(
        due_at=now - dt.timedelta(hours=1)
    )
    today = timezone.localdate()
    record = care_services.enrol_care(
        actor=w.staff_a,
        resident=w.resident_a,
        data=care_services.CareInput(weekday=max(today.weekday() - 1, 0), items="蔬菜一袋"),
    )
    CareRecord.objects.filter(pk=record.pk).update(since=today - dt.timedelta(days=14))
    for building in (w.building_a, w.building_a, w.building_b):
        ticket_services.open_ticket(actor=w.hq, building=building, room="101", kind=TicketKind.GAS_LEAK)
    org = Organization.objects.create(subdistrict=w.sub, neighborhood=w.hood_a, name="江湾电子厂")
    Firm.objects.create(subdistrict=w.sub, neighborhood=w.hood_a, organization=org, name_key=org.name)
    fixture.office = office
    return fixture


def expected_todos(w, persona):
    """The fixture's to-dos by hand."""
    care = 1 if timezone.localdate().weekday() > 0 else 0
    if persona == "staff_a":
        return {
            "pairing.checkins_missed": 1,
            "returnees.fevers": 1,
            "returnees.referrals_pending": 1,
            "masks.waiting": 1,
            "care.missed": care,
            "tickets.open": 2,
        }
    if persona == "staff_b":
        return {"masks.waiting": 1, "tickets.open": 1}
    return {}


@pytest.mark.parametrize("persona", ["staff_a", "staff_b"])
def test_staff_todos_match_the_fixture_and_the_lists_they_link_to(day_of_work, client, persona):
    w = day_of_work.w
    user = getattr(w, persona)
    todos = todos_for(user, timezone.localdate())
    counts = {t.key: t.count for t in todos}
    assert counts == {k: v for k, v in expected_todos(w, persona).items() if v}
    client.force_login(user)
    for todo in todos:
        page = client.get(todo.url)
        assert page.status_code == 200, todo.key
        assert rows_of(todo.key, page.content.decode()) == todo.count, (persona, todo.key)
    home = client.get("/").content.decode()
    assert "今日待办" in home
    for todo in todos:
        assert f'data-todo="{todo.key}"' in home
        assert f'href="{todo.url}"' in home.replace("&amp;", "&")
    # the most urgent first: the late ones (missed check-ins, fevers) before those merely waiting
    severities = [t.severity for t in todos]
    assert severities == sorted(severities, key=["danger", "warning", "info"].index)


def test_office_sees_the_firms_not_called_today_and_the_call_list_agrees(day_of_work, client):
    officer = day_of_work.office[0]
    todos = {t.key: t for t in todos_for(officer, timezone.localdate())}
    assert todos["inspections.not_called"].count == 1
    client.force_login(officer)
    page = client.get(todos["inspections.not_called"].url).content.decode()
    assert rows_of("inspections.not_called", page) == 1
    # a staff member without the call list has no such to-do, nor a reader
    assert "inspections.not_called" not in {
        t.key for t in todos_for(day_of_work.w.staff_a, timezone.localdate())
    }
    assert todos_for(day_of_work.w.auditor, timezone.localdate()) == []
    assert todos_for(day_of_work.w.viewer, timezone.localdate()) == []


def test_a_cadre_home_is_their_day(day_of_work, client):
    w, world = day_of_work.w, day_of_work
    roster_day = timezone.localdate()
    notify.notify(
        recipient=w.cadre, kind="pairing.overdue", subject="安汾1号 逾期未打卡", link="/pairing/rounds/"
    )
    pairing_services.create_task(
        actor=w.hq, title="走访独居老人", pairing=world.pairing_a, owner_name="张老师", due_date=roster_day
    )
    # a shift under way today and the next one tomorrow, on a roster of the cadre's point
    all_day = pairing_services.create_shift_template(
        actor=w.hq, point=world.point_a, name="全天值守", start_time=dt.time(0), end_time=dt.time(23, 59)
    )
    gate = pairing_services.create_shift_template(
        actor=w.hq, point=world.point_a, name="门岗早班", start_time=dt.time(7), end_time=dt.time(12)
    )
    person = pairing_services.add_duty_person(actor=w.hq, subdistrict=w.sub, cadre=world.cadre_a)
    roster = pairing_services.create_roster(
        actor=w.hq,
        subdistrict=w.sub,
        name="安汾值守",
        start_date=roster_day,
        end_date=roster_day + dt.timedelta(days=2),
        templates=[all_day, gate],
        people=[person],
        neighborhood=w.hood_a,
    )
    for template, day in ((all_day, roster_day), (gate, roster_day + dt.timedelta(days=1))):
        pairing_services.add_roster_assignment(
            actor=w.hq, roster=roster, template=template, person=person, day=day
        )
    # a shift the day after is not shown: today's and the next only
    pairing_services.add_roster_assignment(
        actor=w.hq, roster=roster, template=all_day, person=person, day=roster_day + dt.timedelta(days=2)
    )
    client.force_login(w.cadre)
    html = client.get("/").content.decode()
    shifts = html[html.index('id="my-shifts"') : html.index('id="my-tasks"')]
    assert "全天值守" in shifts and "当班中" in shifts
    assert "门岗早班" in shifts and "下一班" in shifts
    assert shifts.count('class="shift-now"') == 2
    assert 'id="my-checkins"' in html and "安汾小区 1号" in html
    rounds = CheckInRound.objects.filter(building=w.building_a, date=roster_day).exclude(
        status=RoundStatus.DONE
    )
    for rnd in rounds:
        assert f'id="home-round-{rnd.pk}"' in html
    assert html.count('name="round"') == rounds.count()  # one tap per round still to do
    assert "走访独居老人" in html  # my tasks
    assert world.point_a.name in html  # my points
    assert "安汾1号 逾期未打卡" in html  # my alerts
    assert (
        "今日待办" not in html or 'data-todo="returnees' not in html
    )  # the dashboard's lists are not a cadre's


def test_one_tap_checks_in_and_comes_back_home(day_of_work, client):
    w = day_of_work.w
    rnd = (
        CheckInRound.objects.filter(building=w.building_a, date=timezone.localdate())
        .exclude(status=RoundStatus.DONE)
        .order_by("pk")
        .first()
    )
    client.force_login(w.cadre)
    response = client.post(
        reverse("pairing:checkin", args=[w.building_a.pk]), {"round": rnd.pk, "next": "/#my-checkins"}
    )
    assert response.status_code == 302 and response["Location"] == "/#my-checkins"
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.DONE and rnd.done_by_id == w.cadre.pk
    # another site is never a place to come back to
    other = CheckInRound.objects.filter(building=w.building_a, date=timezone.localdate()).exclude(
        status=RoundStatus.DONE
    )
    if other.exists():
        response = client.post(
            reverse("pairing:checkin", args=[w.building_a.pk]),
            {"round": other.first().pk, "next": "https://evil.example/"},
        )
        assert response["Location"] == reverse("pairing:checkin", args=[w.building_a.pk])
    # cadre B is not in charge of building A: no one-tap button on their home, and the POST changes nothing
    client.force_login(day_of_work.cadre_b_user)
    assert f'id="home-round-{rnd.pk}"' not in client.get("/").content.decode()


def test_office_home_shows_its_domains_figures_only(day_of_work, client):
    w = day_of_work.w
    client.force_login(w.office)  # the registry office
    html = client.get("/").content.decode()
    assert 'id="office-figures"' in html
    assert 'data-figure="registry.neighborhoods"' in html
    assert 'data-figure="returnees.fevers"' not in html
    officer = day_of_work.office[0]  # the inspections office: its firms, not the registry's
    client.force_login(officer)
    html = client.get("/").content.decode()
    assert 'data-figure="registry.neighborhoods"' not in html


def test_org_contact_home_shows_its_unit(day_of_work, client):
    w = day_of_work.w
    venue = returnee_services.ensure_venue(actor=w.hq, organization=w.org_a)
    firm = Firm.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_a, organization=w.org_a, name_key="银康"
    )
    client.force_login(w.org_contact)
    html = client.get("/").content.decode()
    assert 'id="my-unit"' in html and w.org_a.name in html
    assert f'data-venue="{venue.pk}"' in html
    assert f'data-firm="{firm.pk}"' in html and reverse("inspections:firm_staff", args=[firm.pk]) in html
    assert "今日待办" not in html  # no to-do list for a contact
    assert "江湾电子厂" not in html  # nothing of anyone else


def test_district_viewer_home_lists_the_subdistricts(day_of_work, client):
    w = day_of_work.w
    client.force_login(w.viewer)
    html = client.get("/").content.decode()
    assert 'id="district-subdistricts"' in html
    for sub in (w.sub, w.other_sub):
        assert f'data-subdistrict="{sub.pk}"' in html
        assert f"{reverse('command:dashboard')}?sub={sub.pk}" in html
    assert reverse("command:district") in html
    assert "今日待办" not in html


def test_auditor_home_shows_the_latest_audit_entries(day_of_work, client):
    w = day_of_work.w
    client.force_login(w.auditor)
    html = client.get("/").content.decode()
    assert "最近操作" in html and reverse("audit_log") in html
    assert "今日待办" not in html
    # the log comes first, and today's count opens today's log, whose rows it counts
    assert html.index('id="recent-audit"') < html.index('class="stats"')
    today = timezone.localdate().isoformat()
    link = f"{reverse('audit_log')}?since={today}&amp;until={today}"
    assert link in html
    shown = int(re.search(r"今日 (\d+) 条", html).group(1))
    assert shown == AuditEvent.objects.visible_to(w.auditor).filter(at__date=timezone.localdate()).count() > 0
    assert shown <= 50  # one page of the log
    log = client.get(link.replace("&amp;", "&")).content.decode()
    assert log.count('<td class="nowrap">') == shown
    assert html.count("data-audit=") == min(shown, 20)


def _grow(fixture, n):  # noqa: F811
    """More of everything the homes count: rounds, declarations with fevers, bookings, tickets, alerts."""
    w, world = fixture.w, fixture
    today = timezone.localdate()
    from fangkong.registry.models import Building

    for i in range(n):
        b = Building.objects.create(
            subdistrict=w.sub, neighborhood=w.hood_a, compound=w.compound_a, name=f"{i + 10}号"
        )
        pairing_services.assign_building(actor=w.hq, building=b, cadre=world.cadre_a)
        ticket_services.open_ticket(actor=w.hq, building=b, room="101", kind=TicketKind.GAS_LEAK)
        notify.notify(recipient=w.cadre, kind="test", subject=f"提醒{i}")
    pairing_services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=today, days=1)
    from fangkong.masks import services as mask_services
    from fangkong.masks.models import MaskRound

    rnd = MaskRound.objects.get(subdistrict=w.sub)
    people = People()

    for i in range(n):
        mask_services.book_public(
            round_id=rnd.pk,
            building_id=w.building_a.pk,
            room=f"{200 + i}",
            client_ip=f"10.0.1.{i}",
            **people(),
        )


@pytest.mark.parametrize("persona", ["staff_a", "cadre", "office", "org_contact", "viewer", "auditor", "hq"])
def test_home_query_count_does_not_grow_with_the_data(day_of_work, client, persona):
    w = day_of_work.w
    client.force_login(getattr(w, persona))
    client.get("/")  # warm the per-process caches (sessions, policies)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/").status_code == 200
    _grow(day_of_work, 6)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/").status_code == 200
    assert len(large) == len(small), (persona, len(small), len(large))


def test_a_cadre_without_a_shift_today_sees_only_the_next_one(pw, client):  # noqa: F811
    w = pw.w
    today = timezone.localdate()
    gate = pairing_services.create_shift_template(
        actor=w.hq, point=pw.point_a, name="门岗早班", start_time=dt.time(7), end_time=dt.time(12)
    )
    person = pairing_services.add_duty_person(actor=w.hq, subdistrict=w.sub, cadre=pw.cadre_a)
    roster = pairing_services.create_roster(
        actor=w.hq,
        subdistrict=w.sub,
        name="安汾门岗",
        start_date=today,
        end_date=today + dt.timedelta(days=3),
        templates=[gate],
        people=[person],
        neighborhood=w.hood_a,
    )
    for days in (2, 3):
        pairing_services.add_roster_assignment(
            actor=w.hq, roster=roster, template=gate, person=person, day=today + dt.timedelta(days=days)
        )
    client.force_login(w.cadre)
    html = client.get("/").content.decode()
    shifts = html[html.index('id="my-shifts"') : html.index('id="my-tasks"')]
    assert shifts.count('class="shift-now"') == 1 and "下一班" in shifts
    assert (today + dt.timedelta(days=2)).strftime("%m-%d") in shifts
    assert (today + dt.timedelta(days=3)).strftime("%m-%d") not in shifts

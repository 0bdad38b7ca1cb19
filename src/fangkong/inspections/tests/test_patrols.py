"""Patrol teams (巡察队): a team per zone with members, shifts solved by the pairing roster solver, patrol
rounds whose findings become on-site firms or visits."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.inspections import services
from fangkong.inspections.choices import FirmSource, VisitState
from fangkong.inspections.models import Firm, PatrolFinding, PatrolRound, PatrolTeam, Visit
from fangkong.pairing.models import Roster, RosterAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world, zones):
    from fangkong.registry.models import SupportCadre

    north, _south = zones
    team = services.set_up_patrol_team(actor=world.hq, zone=north)
    for name, dept in (
        ("市场监管甲", "market"),
        ("市场监管乙", "market"),
        ("城管甲", "city"),
        ("城管乙", "city"),
    ):
        services.add_patrol_member(
            actor=world.hq, team=team, department=dept, name=name, leader=name == "城管甲"
        )
    cadre = SupportCadre.objects.create(subdistrict=world.sub, name="下沉干部丙", department=world.dept)
    services.add_patrol_member(actor=world.hq, team=team, department="cadre", cadre=cadre)
    return team


def test_team_per_zone_and_only_hq_sets_it_up(world, zones, team, office):
    north, south = zones
    assert team.name == "万安路以北巡察队" and team.point.organization_id == team.organization_id
    assert team.members.count() == 5
    with pytest.raises(ValidationError):
        services.set_up_patrol_team(actor=world.hq, zone=north)
    with pytest.raises(PermissionDenied):
        services.set_up_patrol_team(actor=office[0], zone=south)
    with pytest.raises(PermissionDenied):
        services.add_patrol_member(actor=world.staff_a, team=team, department="market", name="某人")


def test_shifts_are_solved_by_the_pairing_roster_solver(world, team):
    start = dt.date(2020, 2, 10)
    roster = services.solve_patrol_shifts(actor=world.hq, team=team, start_date=start, days=7)
    assert Roster.objects.filter(pk=roster.pk, status="published").exists()
    assert PatrolTeam.objects.get(pk=team.pk).roster_id == roster.pk
    rows = list(RosterAssignment.objects.filter(roster=roster).select_related("template"))
    per_shift = Counter((a.date, a.template_id) for a in rows)
    assert len(per_shift) == 14 and set(per_shift.values()) == {2}  # two shifts a day, two people each
    per_person_day = Counter((a.date, a.person_id, a.template_id) for a in rows)
    assert max(per_person_day.values()) == 1
    # the roster's weekly cap holds: at most 6 shifts a week each
    assert max(Counter(a.person_id for a in rows).values()) <= 6
    # a second solve reuses the shift templates
    services.solve_patrol_shifts(actor=world.hq, team=team, start_date=start + dt.timedelta(days=7), days=7)
    from fangkong.pairing.models import ShiftTemplate

    assert ShiftTemplate.objects.filter(point=team.point).count() == 2


def test_a_round_turns_findings_into_on_site_firms_and_visits(world, team):
    early = Firm.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, organization=world.org_a)
    findings = [
        {"kind": "new_firm", "place": "万安路88号", "name": "上海新发现贸易有限公司", "text": "名录中没有"},
        {"kind": "open_early", "place": "万安路1号", "firm": early, "text": "员工已到岗"},
        {"kind": "outsiders", "place": "XX小区北门", "text": "外来人员未登记"},
    ]
    patrol, created = services.record_patrol_round(
        actor=world.hq,
        team=team,
        day=dt.date(2020, 2, 8),
        route="万安路、东体育会路",
        findings=findings,
        client_token="r1",
    )
    again, created_again = services.record_patrol_round(
        actor=world.hq,
        team=team,
        day=dt.date(2020, 2, 8),
        route="万安路",
        findings=findings,
        client_token="r1",
    )
    assert created and not created_again and again.pk == patrol.pk
    rows = list(PatrolFinding.objects.filter(patrol=patrol).order_by("pk"))
    assert [f.kind for f in rows] == ["new_firm", "open_early", "outsiders"]
    new = rows[0].firm
    assert new.source == FirmSource.ON_SITE and new.organization.name == "上海新发现贸易有限公司"
    assert rows[1].visit.firm_id == early.pk and rows[1].visit.state == VisitState.DRAFT
    assert rows[1].visit.team == team.name
    assert Firm.objects.filter(source=FirmSource.ON_SITE).count() == 1 and Visit.objects.count() == 1


def test_a_bad_finding_records_nothing(world, team):
    with pytest.raises(ValidationError):
        services.record_patrol_round(
            actor=world.hq,
            team=team,
            day=dt.date(2020, 2, 8),
            route="万安路",
            findings=[
                {"kind": "new_firm", "place": "万安路9号", "name": "好的公司"},
                {"kind": "new_firm", "place": ""},
            ],
            client_token="r2",
        )
    assert not PatrolRound.objects.exists() and not Firm.objects.exists()
    with pytest.raises(PermissionDenied):
        services.record_patrol_round(
            actor=world.staff_a, team=team, day=dt.date(2020, 2, 8), route="x", client_token="r3"
        )


def test_pages(world, team, as_persona):
    services.solve_patrol_shifts(actor=world.hq, team=team, start_date=dt.date.today(), days=7)
    hq = as_persona("hq")
    page = hq.get(f"/inspections/patrols/teams/{team.pk}/").content.decode()
    assert "上午巡察" in page and 'id="shifts-form"' in page and "市场监管甲" in page
    listing = as_persona("staff_a").get("/inspections/patrols/").content.decode()
    assert "万安路以北巡察队" in listing and 'id="team-form"' not in listing
    staff_page = as_persona("staff_a").get(f"/inspections/patrols/teams/{team.pk}/").content.decode()
    assert 'id="shifts-form"' not in staff_page and 'id="member-form"' not in staff_page
    assert (
        as_persona("staff_a").post(f"/inspections/patrols/teams/{team.pk}/", {"form": "member"}).status_code
        == 404
    )
    response = hq.post(
        "/inspections/patrols/rounds/new/",
        {
            "team": team.pk,
            "day": "2020-02-08",
            "route": "万安路",
            "client_token": "page-1",
            "f-TOTAL_FORMS": "3",
            "f-INITIAL_FORMS": "0",
            "f-0-kind": "new_firm",
            "f-0-place": "万安路66号",
            "f-0-name": "上海页面发现有限公司",
        },
    )
    assert response.status_code == 302
    patrol = PatrolRound.objects.get(client_token="page-1")
    detail = hq.get(f"/inspections/patrols/rounds/{patrol.pk}/").content.decode()
    assert "上海页面发现有限公司" in detail
    unknown = hq.post(
        "/inspections/patrols/rounds/new/",
        {
            "team": team.pk,
            "day": "2020-02-08",
            "route": "万安路",
            "client_token": "page-2",
            "f-TOTAL_FORMS": "3",
            "f-INITIAL_FORMS": "0",
            "f-0-kind": "open_early",
            "f-0-place": "万安路1号",
            "f-0-name": "不存在的公司",
        },
    )
    assert unknown.status_code == 200 and "找不到企业" in unknown.content.decode()
    assert not PatrolRound.objects.filter(client_token="page-2").exists()

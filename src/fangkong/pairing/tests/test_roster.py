"""Duty rosters: the solver against an independent checker (and brute force on tiny instances)."""

import datetime as dt
import io
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from fangkong.pairing import services
from fangkong.pairing.checks import covers_night, roster_violations
from fangkong.pairing.models import DutyPerson, Roster, RosterAssignment, ShiftSwap
from fangkong.pairing.rostering import (
    PersonIn,
    RosterRules,
    ShiftIn,
    check_capacity,
    days_between,
    solve_roster,
)

T = dt.time
SHIFT_TIMES = [(T(7), T(19)), (T(19), T(7)), (T(9), T(17)), (T(22), T(6)), (T(8), T(12))]
START = dt.date(2020, 2, 6)  # a Thursday: ranges cross a week boundary
SVC_START = dt.date.today()


@st.composite
def roster_instances(draw, max_people=8, max_days=9, max_shifts=3, max_head=2):
    n_days = draw(st.integers(1, max_days))
    shifts = []
    for sid in range(1, draw(st.integers(1, max_shifts)) + 1):
        start, end = draw(st.sampled_from(SHIFT_TIMES))
        shifts.append(
            ShiftIn(
                sid,
                f"S{sid}",
                point_id=draw(st.integers(1, 2)),
                start=start,
                end=end,
                head_count=draw(st.integers(1, max_head)),
                skill=draw(st.sampled_from(["", "", "登记"])),
                weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=5))),
            )
        )
    days = days_between(START, START + dt.timedelta(days=n_days - 1))
    persons = []
    for pid in range(1, draw(st.integers(1, max_people)) + 1):
        persons.append(
            PersonIn(
                pid,
                f"P{pid}",
                skills=frozenset(draw(st.sets(st.sampled_from(["登记"]), max_size=1))),
                available_weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=4))),
                unavailable_dates=frozenset(draw(st.sets(st.sampled_from(days), max_size=2))),
                max_per_week=draw(st.sampled_from([None, None, 2, 3])),
                points=frozenset(draw(st.sets(st.integers(1, 2), max_size=1))),
            )
        )
    rules = RosterRules(
        max_shifts_per_week=draw(st.integers(2, 5)),
        min_rest_hours=draw(st.sampled_from([8, 11, 12])),
        cover_elsewhere=draw(st.booleans()),
    )
    return shifts, persons, days[0], days[-1], rules


def _violations(shifts, persons, start, end, rules, assignments):
    return roster_violations(
        shifts=shifts,
        persons=persons,
        start=start,
        end=end,
        assignments=assignments,
        max_shifts_per_week=rules.max_shifts_per_week,
        min_rest_hours=rules.min_rest_hours,
        cover_elsewhere=rules.cover_elsewhere,
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(roster_instances())
def test_solver_roster_keeps_every_hard_rule(instance):
    shifts, persons, start, end, rules = instance
    result = solve_roster(shifts, persons, start, end, rules, time_limit=5)
    if result.ok:
        assert _violations(shifts, persons, start, end, rules, result.assignments) == []
    else:
        assert result.status == "infeasible" and result.explanation


def _brute_force_feasible(shifts, persons, start, end, rules):
    slots = [(s, d) for d in days_between(start, end) for s in shifts if d.weekday() in s.weekdays]
    choices = [list(itertools.combinations([p.id for p in persons], s.head_count)) for s, _d in slots]
    for combo in itertools.product(*choices):
        rows = [(s.id, d, pid) for (s, d), pids in zip(slots, combo, strict=True) for pid in pids]
        if not _violations(shifts, persons, start, end, rules, rows):
            return True
    return False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(roster_instances(max_people=3, max_days=3, max_shifts=2, max_head=1))
def test_solver_agrees_with_brute_force_on_tiny_instances(instance):
    shifts, persons, start, end, rules = instance
    result = solve_roster(shifts, persons, start, end, rules, time_limit=5)
    feasible = _brute_force_feasible(shifts, persons, start, end, rules)
    assert result.ok == feasible
    if result.ok:
        assert _violations(shifts, persons, start, end, rules, result.assignments) == []


def test_checker_catches_each_rule():
    day = START
    shifts = [ShiftIn(1, "白班", 1, T(7), T(19), 1), ShiftIn(2, "夜班", 1, T(19), T(7), 1, skill="夜巡")]
    persons = [
        PersonIn(1, "甲", skills=frozenset({"夜巡"})),
        PersonIn(2, "乙", unavailable_dates=frozenset({day})),
    ]
    rules = RosterRules(max_shifts_per_week=1, min_rest_hours=11)
    rows = [(2, day, 1), (1, day + dt.timedelta(days=1), 1), (1, day, 2)]
    text = "\n".join(_violations(shifts, persons, day, day + dt.timedelta(days=1), rules, rows))
    assert "只休息 0.0 小时" in text  # night then day shift straight after
    assert "不可值班" in text  # 乙 on leave
    assert "上限 1" in text  # two shifts in one ISO week
    assert "实排 0 人" in text  # night shift of day 2 empty
    rows_skill = [(2, day, 2)]
    assert any("技能" in v for v in _violations(shifts, persons, day, day, rules, rows_skill))


def test_checker_keeps_people_at_their_paired_points():
    day = START
    shifts = [ShiftIn(1, "甲门岗", 1, T(7), T(19), 1), ShiftIn(2, "乙门岗", 2, T(7), T(19), 1)]
    persons = [PersonIn(1, "甲", points=frozenset({1})), PersonIn(2, "乙")]
    rules = RosterRules(max_shifts_per_week=5, min_rest_hours=11)
    rows = [(2, day, 1), (1, day, 2)]
    assert _violations(shifts, persons, day, day, rules, rows) == [
        "甲 在 2020-02-06 排在班次「乙门岗」，不是其结对点位。"
    ]
    allowed = RosterRules(max_shifts_per_week=5, min_rest_hours=11, cover_elsewhere=True)
    assert _violations(shifts, persons, day, day, allowed, rows) == []
    assert _violations(shifts, persons, day, day, rules, [(1, day, 1), (2, day, 2)]) == []


def _two_gates(n_a, n_b, days=7):
    """Two points with a day and a night shift each; n_a people paired to point 1, n_b to point 2."""
    shifts = [
        ShiftIn(1, "甲白班", 1, T(7), T(19), 1),
        ShiftIn(2, "甲夜班", 1, T(19), T(7), 1),
        ShiftIn(3, "乙白班", 2, T(7), T(19), 1),
        ShiftIn(4, "乙夜班", 2, T(19), T(7), 1),
    ]
    persons = [PersonIn(i, f"甲{i}", points=frozenset({1})) for i in range(1, n_a + 1)]
    persons += [PersonIn(100 + i, f"乙{i}", points=frozenset({2})) for i in range(1, n_b + 1)]
    start = dt.date(2020, 2, 3)
    return shifts, persons, start, start + dt.timedelta(days=days - 1)


def test_solver_keeps_people_at_their_paired_points():
    shifts, persons, start, end = _two_gates(4, 4)
    rules = RosterRules(5, 11)
    result = solve_roster(shifts, persons, start, end, rules, time_limit=10)
    assert result.ok
    point_of = {s.id: s.point_id for s in shifts}
    paired = {p.id: p.points for p in persons}
    assert all(point_of[sid] in paired[pid] for sid, _d, pid in result.assignments)
    assert not _violations(shifts, persons, start, end, rules, result.assignments)


def test_too_few_paired_people_is_explained_unless_cover_is_allowed():
    shifts, persons, start, end = _two_gates(5, 1)
    hard = solve_roster(shifts, persons, start, end, RosterRules(5, 11), time_limit=10)
    assert hard.status == "infeasible"
    assert "结对人员" in hard.explanation and "乙白班" in hard.explanation
    cover = RosterRules(5, 11, cover_elsewhere=True)
    result = solve_roster(shifts, persons, start, end, cover, time_limit=10)
    assert result.ok
    assert not _violations(shifts, persons, start, end, cover, result.assignments)
    point_of = {s.id: s.point_id for s in shifts}
    paired = {p.id: p.points for p in persons}
    away = [row for row in result.assignments if point_of[row[0]] not in paired[row[2]]]
    # point 2 needs 14 shifts a week and its one person can work 5: the other 9 are covered from point 1,
    # and nobody from point 2 is sent to point 1
    assert len(away) == 9
    assert all(point_of[sid] == 2 for sid, _d, _p in away)


def test_cover_is_only_a_cost_when_the_paired_people_suffice():
    shifts, persons, start, end = _two_gates(4, 4)
    result = solve_roster(
        shifts, persons, start, end, RosterRules(5, 11, cover_elsewhere=True), time_limit=10
    )
    assert result.ok
    point_of = {s.id: s.point_id for s in shifts}
    paired = {p.id: p.points for p in persons}
    assert all(point_of[sid] in paired[pid] for sid, _d, pid in result.assignments)


def test_parts_that_share_nobody_are_solved_apart_with_the_same_optimum():
    shifts, persons, start, end = _two_gates(4, 5)
    rules = RosterRules(5, 11)
    apart = solve_roster(shifts, persons, start, end, rules, time_limit=10)
    joint = solve_roster(shifts, persons, start, end, rules, time_limit=10, split=False)
    assert apart.status == joint.status == "optimal"
    assert apart.objective == joint.objective
    assert not _violations(shifts, persons, start, end, rules, apart.assignments)
    assert len(apart.assignments) == 4 * 7


def test_night_definition():
    assert covers_night(START, T(19), T(7))
    assert covers_night(START, T(22), T(6))
    assert not covers_night(START, T(7), T(19))
    assert not covers_night(START, T(9), T(17))


def test_capacity_shortfalls_explained():
    shifts = [ShiftIn(1, "门岗", 1, T(7), T(19), 3)]
    two = [PersonIn(1, "甲"), PersonIn(2, "乙")]
    problems = check_capacity(shifts, two, START, START, RosterRules())
    assert problems[0] == "2020-02-06 共需 3 人次，只有 2 人可值班（每人每天最多一班）。"
    assert "没有可排班的人员" in check_capacity(shifts, [], START, START, RosterRules())[0]
    week = check_capacity(
        [ShiftIn(1, "门岗", 1, T(7), T(19), 1)],
        [PersonIn(1, "甲")],
        START,
        START + dt.timedelta(days=3),
        RosterRules(max_shifts_per_week=1),
    )
    assert any("按每人每周最多 1 班只能排 1 人次" in p for p in week)


def test_rest_rule_forces_alternation():
    shifts = [ShiftIn(1, "白班", 1, T(7), T(19), 1), ShiftIn(2, "夜班", 1, T(19), T(7), 1)]
    persons = [PersonIn(i, f"P{i}") for i in range(1, 4)]
    end = START + dt.timedelta(days=6)
    result = solve_roster(shifts, persons, START, end, RosterRules(max_shifts_per_week=7, min_rest_hours=11))
    assert result.ok
    assert _violations(shifts, persons, START, end, RosterRules(7, 11), result.assignments) == []
    nights = {}
    for sid, _d, pid in result.assignments:
        if sid == 2:
            nights[pid] = nights.get(pid, 0) + 1
    # 7 nights over 3 people: a fair spread is 2 or 3 each
    assert sorted(nights.values()) in ([2, 2, 3],)


# ---------------------------------------------------------------- services and pages


@pytest.mark.django_db
def test_solve_roster_service_and_warnings(roster_world):
    pw = roster_world
    roster = services.solve_roster(actor=pw.w.hq, roster=pw.roster, time_limit=5)
    assert roster.solver_status in ("optimal", "feasible")
    assert roster.assignments.count() == 14
    assert services.roster_warnings(roster) == []
    # a hand edit that breaks the rest rule comes back as a warning
    night = roster.assignments.filter(template=pw.night, date=SVC_START).first()
    roster.assignments.filter(template=pw.gate, date=SVC_START + dt.timedelta(days=1)).delete()
    _row, warnings = services.add_roster_assignment(
        actor=pw.w.hq,
        roster=roster,
        template=pw.gate,
        person=night.person,
        day=SVC_START + dt.timedelta(days=1),
    )
    assert any("只休息" in w for w in warnings)


@pytest.mark.django_db
def test_overlapping_hand_edit_refused(roster_world):
    pw = roster_world
    roster = services.solve_roster(actor=pw.w.hq, roster=pw.roster, time_limit=5)
    a = roster.assignments.filter(template=pw.gate, date=SVC_START).first()
    before = roster.assignments.count()
    desk = services.create_shift_template(
        actor=pw.w.hq, point=pw.point_a, name="登记台", start_time=T(9), end_time=T(17)
    )
    roster.templates.add(desk)
    with pytest.raises(ValidationError, match="时间重叠"):
        services.add_roster_assignment(
            actor=pw.w.hq, roster=roster, template=desk, person=a.person, day=SVC_START
        )
    assert roster.assignments.count() == before


@pytest.mark.django_db
def test_roster_without_people_explained(pw):
    w = pw.w
    gate = services.create_shift_template(
        actor=w.hq, point=pw.point_a, name="登记台", start_time=T(9), end_time=T(17)
    )
    roster = services.create_roster(
        actor=w.hq,
        subdistrict=w.sub,
        name="空",
        start_date=SVC_START,
        end_date=SVC_START,
        templates=[gate],
        people=[],
    )
    roster = services.solve_roster(actor=w.hq, roster=roster)
    assert roster.status == "infeasible"
    assert "没有可排班的人员" in roster.explanation
    assert not roster.assignments.exists()


@pytest.mark.django_db
def test_bad_roster_input_refused(pw):
    w = pw.w
    with pytest.raises(ValidationError):
        services.create_shift_template(actor=w.hq, point=pw.point_a, name="x", start_time=T(7), end_time=T(7))
    gate = services.create_shift_template(
        actor=w.hq, point=pw.point_a, name="门岗", start_time=T(7), end_time=T(19)
    )
    with pytest.raises(ValidationError):
        services.create_shift_template(
            actor=w.hq, point=pw.point_a, name="门岗", start_time=T(8), end_time=T(20)
        )
    with pytest.raises(ValidationError):
        services.create_roster(
            actor=w.hq,
            subdistrict=w.sub,
            name="x",
            start_date=SVC_START,
            end_date=SVC_START - dt.timedelta(days=1),
            templates=[gate],
            people=[],
        )
    assert not Roster.objects.exists()


@pytest.mark.django_db
def test_swap_with_approval(roster_world):
    pw = roster_world
    roster = services.solve_roster(actor=pw.w.hq, roster=pw.roster, time_limit=5)
    rows = list(roster.assignments.filter(template=pw.gate).order_by("date")[:2])
    a, b = rows
    if a.person_id == b.person_id:
        b = roster.assignments.exclude(person=a.person).filter(template=pw.gate).first()
    swap = services.request_swap(actor=pw.w.staff_a, first=a, second=b)
    assert RosterAssignment.objects.get(pk=a.pk).person_id == a.person_id
    with pytest.raises(ValidationError):
        services.request_swap(actor=pw.w.staff_a, first=a, second=b)
    swap, _warnings = services.decide_swap(actor=pw.w.hq, swap=swap, approve=True)
    assert swap.status == "approved"
    assert RosterAssignment.objects.get(pk=a.pk).person_id == b.person_id
    assert RosterAssignment.objects.get(pk=b.pk).person_id == a.person_id
    with pytest.raises(ValidationError):
        services.decide_swap(actor=pw.w.hq, swap=ShiftSwap.objects.get(pk=swap.pk), approve=False)


@pytest.mark.django_db
def test_roster_keeps_each_person_at_their_paired_points(roster_world):
    """A cadre paired to 新南二 is not rostered on 安汾's gates, unless the HQ allows cover elsewhere."""
    pw = roster_world
    services.pair_cadre(actor=pw.w.hq, cadre=pw.cadre_b, point=pw.point_b)
    elsewhere = services.add_duty_person(actor=pw.w.hq, subdistrict=pw.w.sub, cadre=pw.cadre_b)
    pw.roster.people.add(elsewhere)
    _shifts, persons, rules = services.roster_input(pw.roster)
    points = {p.id: p.points for p in persons}
    assert points[elsewhere.pk] == {pw.point_b.pk}
    assert all(points[p.pk] == {pw.point_a.pk} for p in pw.people)  # 张老师 and 安汾's volunteers
    assert rules.cover_elsewhere is False
    services.solve_roster(actor=pw.w.hq, roster=pw.roster, time_limit=5)
    pw.roster.refresh_from_db()
    assert pw.roster.solver_status == "optimal"
    assert RosterAssignment.objects.filter(roster=pw.roster).count() == 14
    assert not RosterAssignment.objects.filter(person=elsewhere).exists()
    assert services.roster_warnings(pw.roster) == []
    # a hand edit that puts them on 安汾's gate is flagged
    services.add_roster_assignment(
        actor=pw.w.hq, roster=pw.roster, template=pw.gate, person=elsewhere, day=pw.roster.end_date
    )
    assert any("不是其结对点位" in w for w in services.roster_warnings(pw.roster))
    # the HQ allows cover elsewhere: the same edit is no longer a broken rule
    services.save_settings(actor=pw.w.hq, subdistrict=pw.w.sub, roster_cover_elsewhere=True)
    assert not any("不是其结对点位" in w for w in services.roster_warnings(pw.roster))
    assert services.roster_input(pw.roster)[2].cover_elsewhere is True


@pytest.mark.django_db
def test_ical_feed_by_token(roster_world, client):
    pw = roster_world
    services.solve_roster(actor=pw.w.hq, roster=pw.roster, time_limit=5)
    person = DutyPerson.objects.get(cadre=pw.cadre_a)
    n = RosterAssignment.objects.filter(person=person).count()
    resp = client.get(reverse("pairing:ical", args=[person.calendar_token]))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/calendar")
    body = resp.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == n
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert client.get(reverse("pairing:ical", args=["x" * 43])).status_code == 404
    token = person.calendar_token
    wrong = token[:-1] + ("B" if token[-1] == "A" else "A")  # differs from the real token in its last letter
    assert wrong != token
    assert client.get(reverse("pairing:ical", args=[wrong])).status_code == 404


@pytest.mark.django_db
def test_roster_xlsx_people_by_days(roster_world, as_persona):
    pw = roster_world
    services.solve_roster(actor=pw.w.hq, roster=pw.roster, time_limit=5)
    resp = as_persona("staff_a").get(reverse("pairing:roster", args=[pw.roster.pk]) + "?format=xlsx")
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws.cell(1, 1).value == "姓名"
    assert ws.max_column == 1 + 7 + 1
    assert ws.cell(1, 2).value.startswith(f"{SVC_START:%m-%d}")
    names = {ws.cell(r, 1).value for r in range(2, ws.max_row + 1)}
    assert names <= {p.name for p in pw.people} and len(names) >= 2
    assert (
        as_persona("staff_a").get(reverse("pairing:roster", args=[pw.roster.pk]) + "?print=1").status_code
        == 200
    )
    assert as_persona("staff_b").get(reverse("pairing:roster", args=[pw.roster.pk])).status_code == 404


# ---------------------------------------------------------------- fairness first and the counting bound


def _skill_bottleneck():
    shifts = [
        ShiftIn(1, "登记台", 1, T(9), T(17), 1, skill="登记"),
        ShiftIn(2, "巡查", 2, T(9), T(17), 1),
    ]
    persons = [PersonIn(1, "P1", skills=frozenset({"登记"}))] + [PersonIn(i, f"P{i}") for i in (2, 3, 4)]
    start = dt.date(2020, 2, 3)  # a Monday: one full week
    return shifts, persons, start, start + dt.timedelta(days=6), RosterRules(7, 11)


def test_counting_bound_when_fairness_is_impossible():
    shifts, persons, start, end, rules = _skill_bottleneck()
    # 14 shifts over 4 people: bands [3, 4]; the only skilled person must work all 7 desk shifts (3 over
    # the band: 2 × 3 = 6), the others share 7 patrols against a band sum of 9 (2 short: 2 × 2 = 4)
    result = solve_roster(shifts, persons, start, end, rules, time_limit=5)
    assert result.status == "optimal"
    assert result.bound >= 6 and result.objective >= result.bound
    plain = solve_roster(shifts, persons, start, end, rules, time_limit=5, fair_first=0, counting_bound=False)
    assert plain.status == "optimal" and plain.objective == result.objective
    assert not _violations(shifts, persons, start, end, rules, result.assignments)


def test_fair_first_proves_a_perfectly_fair_roster_optimal():
    shifts = [ShiftIn(1, "门岗", 1, T(7), T(19), 1), ShiftIn(2, "夜班", 1, T(19), T(7), 1)]
    persons = [PersonIn(i, f"P{i}") for i in range(1, 5)]
    start = dt.date(2020, 2, 3)
    rules = RosterRules(5, 11)
    result = solve_roster(shifts, persons, start, start + dt.timedelta(days=6), rules, time_limit=5)
    assert result.status == "optimal" and result.objective == 0 and result.gap == 0
    assert not _violations(shifts, persons, start, start + dt.timedelta(days=6), rules, result.assignments)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=roster_instances(max_people=6, max_days=5, max_shifts=2))
def test_speedups_keep_the_optimum(instance):
    """The fair-first phase, the counting bound and solving independent parts apart never change the
    optimal objective."""
    shifts, persons, start, end, rules = instance
    fast = solve_roster(shifts, persons, start, end, rules, time_limit=5)
    plain = solve_roster(
        shifts, persons, start, end, rules, time_limit=5, fair_first=0, counting_bound=False, split=False
    )
    assert fast.ok == plain.ok
    if fast.status == "optimal" and plain.status == "optimal":
        assert fast.objective == plain.objective
        assert not _violations(shifts, persons, start, end, rules, fast.assignments)

"""Duty roster: 14 days, 600 people, 300 shift slots a day (CP-SAT, 2 workers, decomposed).

Figures: time to the first feasible roster, and the objective, bound and gap at 10 s and at 60 s (read
from the solver's progress). Goal: a provably optimal or <= 1 % gap roster within 60 s.

The solver first looks for a perfectly fair roster (objective 0, which is then provably optimal) and adds
a lower bound found by counting skills; FANGKONG_BENCH_ROSTER_PLAIN=1 runs without both, for comparison.

The people are paired to no point, so anyone may work any shift: this measures the one big time-and-skill
model. (A paired person works only at their points, which splits a roster into small parts per point.)
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time

from bench.common import setup_django

LIMIT = 60.0


def build(seed: int = 2020):
    from fangkong.pairing.rostering import PersonIn, RosterRules, ShiftIn

    rng = random.Random(seed)
    T = dt.time
    shifts = []
    sid = 0
    for point in range(1, 51):  # 50 compound gates: day and night, 2 each -> 200 slots
        sid += 1
        shifts.append(ShiftIn(sid, "门岗白班", point, T(7), T(19), 2))
        sid += 1
        shifts.append(ShiftIn(sid, "门岗夜班", point, T(19), T(7), 2))
    for point in range(51, 76):  # 25 registration desks needing the skill -> 50 slots
        sid += 1
        shifts.append(ShiftIn(sid, "登记台", point, T(8), T(17), 2, skill="登记"))
    for point in range(76, 126):  # 50 patrols -> 50 slots
        sid += 1
        shifts.append(ShiftIn(sid, "巡查", point, T(13), T(21), 1))
    start = dt.date(2020, 2, 3)
    end = start + dt.timedelta(days=13)
    days = [start + dt.timedelta(days=i) for i in range(14)]
    persons = []
    for pid in range(1, 601):
        leave = set()
        if rng.random() < 0.1:
            first = rng.randrange(0, 12)
            leave = {days[i] for i in range(first, min(14, first + rng.randint(2, 4)))}
        persons.append(
            PersonIn(
                pid,
                f"P{pid}",
                skills=frozenset({"登记"}) if rng.random() < 0.25 else frozenset(),
                available_weekdays=frozenset(range(5)) if rng.random() < 0.05 else frozenset(range(7)),
                unavailable_dates=frozenset(leave),
            )
        )
        rng.randint(
            1, 125
        )  # was the person's preferred point; drawn still, so the rest of the data is unchanged
    return shifts, persons, start, end, RosterRules(max_shifts_per_week=5, min_rest_hours=11)


def _at(trajectory, t):
    best = None
    for at, obj, bound in trajectory:
        if at <= t:
            best = (obj, bound)
    return best


def run() -> dict:
    setup_django(migrate=False)
    from fangkong.pairing.checks import roster_violations
    from fangkong.pairing.rostering import solve_roster

    shifts, persons, start, end, rules = build()
    t0 = time.perf_counter()
    plain = os.environ.get("FANGKONG_BENCH_ROSTER_PLAIN") == "1"
    speedups = {"fair_first": 0.0, "counting_bound": False} if plain else {}
    result = solve_roster(shifts, persons, start, end, rules, time_limit=LIMIT, workers=2, **speedups)
    wall = time.perf_counter() - t0
    figures: dict = {
        "speedups": int(not plain),
        "people": len(persons),
        "days": 14,
        "slots_per_day": sum(s.head_count for s in shifts),
        "variables": result.variables,
        "status_optimal": int(result.status == "optimal"),
        "wall_seconds": round(wall, 2),
        "stage1_seconds": round(result.stage1_seconds, 2),
        "stage2_seconds": round(result.stage2_seconds, 3),
        "first_feasible_s": round(result.first_feasible_s, 2) if result.first_feasible_s is not None else -1,
        "objective_final": result.objective,
        "bound_final": result.bound,
        "gap_final": round(result.gap, 6) if result.gap is not None else -1,
    }
    for label, t in (("10s", 10.0), ("60s", 60.0)):
        point = _at(result.trajectory, t)
        if result.status == "optimal" and result.stage1_seconds <= t:
            point = (result.objective, result.bound)
        if point is None:
            figures[f"objective_at_{label}"] = -1
            figures[f"gap_at_{label}"] = -1
        else:
            obj, bound = point
            figures[f"objective_at_{label}"] = obj
            figures[f"gap_at_{label}"] = round(abs(obj - bound) / max(1.0, abs(obj)), 6)
    t1 = time.perf_counter()
    violations = roster_violations(
        shifts=shifts,
        persons=persons,
        start=start,
        end=end,
        assignments=result.assignments,
        max_shifts_per_week=rules.max_shifts_per_week,
        min_rest_hours=rules.min_rest_hours,
    )
    figures["checker_seconds"] = round(time.perf_counter() - t1, 2)
    figures["checker_violations"] = len(violations)
    met = (
        result.ok
        and not violations
        and (result.status == "optimal" or (result.gap or 1) <= 0.01)
        and wall <= LIMIT + 5
    )
    return {
        "figures": figures,
        "goal": "optimal or <=1% gap within 60 s on 2 cores",
        "met": met,
        "ratio": round(wall / LIMIT, 3),
    }

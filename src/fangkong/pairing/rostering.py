"""Duty roster solver (OR-Tools CP-SAT), decomposed so it scales to hundreds of people.

Stage 1 decides who works which *shift type* (start, end, required skill, point group) on which day: the
head count of each type each day, at most one shift a day, the minimum rest between shifts, the weekly cap,
availability and skills are hard, and so is the pairing: a person with paired points works only at those
points, unless the HQ allows cover elsewhere (then each shift elsewhere costs ``COVER_WEIGHT``). The
objective is a fair spread of shifts and of night shifts (each person's count close to a target
proportional to the days they can work, shared among the people who can work the same points). Stage 2 then
places the people of each type and day on the concrete shifts, preferring the points a person is paired to
and yesterday's point. A point group holds the points no person tells apart (each person with paired points
has all of them or none), so every person of a type may work at each of its shifts: stage 2 cannot break a
hard rule. With nobody restricted there is one group, and the model is the plain time-and-skill one.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from ortools.sat.python import cp_model

from fangkong.pairing.checks import covers_night, shift_interval

TOTAL_WEIGHT = 2
NIGHT_WEIGHT = 1
COVER_WEIGHT = 5  # a shift away from one's paired points, when the HQ allows cover elsewhere


@dataclass(frozen=True)
class ShiftIn:
    id: int
    name: str
    point_id: int
    start: dt.time
    end: dt.time
    head_count: int
    skill: str = ""
    weekdays: frozenset[int] = frozenset(range(7))


@dataclass(frozen=True)
class PersonIn:
    id: int
    name: str
    skills: frozenset[str] = frozenset()
    available_weekdays: frozenset[int] = frozenset(range(7))
    unavailable_dates: frozenset[dt.date] = frozenset()
    max_per_week: int | None = None
    # the points the person is paired to; empty means they may work anywhere
    points: frozenset[int] = frozenset()


@dataclass(frozen=True)
class RosterRules:
    max_shifts_per_week: int = 5
    min_rest_hours: int = 11
    # the HQ allows people to cover shifts away from their paired points (at a cost)
    cover_elsewhere: bool = False


def works_at(person: PersonIn, point_id: int) -> bool:
    """A person works at a point if they are paired to it or paired to no point at all."""
    return not person.points or point_id in person.points


@dataclass
class RosterResult:
    status: str  # optimal | feasible | infeasible | unknown
    assignments: list[tuple[int, dt.date, int]] = field(default_factory=list)
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    first_feasible_s: float | None = None
    stage1_seconds: float = 0.0
    stage2_seconds: float = 0.0
    explanation: str = ""
    trajectory: list[tuple[float, float, float]] = field(default_factory=list)
    variables: int = 0

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass(frozen=True)
class ShiftType:
    start: dt.time
    end: dt.time
    skill: str
    group: int = 0  # the point group (see point_groups)

    def label(self) -> str:
        base = f"{self.start:%H:%M}–{self.end:%H:%M}"
        return f"{base}（{self.skill}）" if self.skill else base


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _available(p: PersonIn, day: dt.date) -> bool:
    return day.weekday() in p.available_weekdays and day not in p.unavailable_dates


def _cap(p: PersonIn, rules: RosterRules) -> int:
    return (
        min(rules.max_shifts_per_week, p.max_per_week)
        if p.max_per_week is not None
        else rules.max_shifts_per_week
    )


def _week_key(day: dt.date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso[0], iso[1]


def point_groups(shifts: Sequence[ShiftIn], persons: Sequence[PersonIn]) -> dict[int, int]:
    """Point id -> group: points that every person with paired points either has all of or none of. The
    solver cannot tell the points of a group apart, so it decides per group and stage 2 picks the point."""
    signatures: dict[frozenset[int], int] = {}
    out: dict[int, int] = {}
    for point_id in sorted({s.point_id for s in shifts}):
        sig = frozenset(p.id for p in persons if point_id in p.points)
        out[point_id] = signatures.setdefault(sig, len(signatures))
    return out


def _shift_type(s: ShiftIn, groups: dict[int, int]) -> ShiftType:
    return ShiftType(s.start, s.end, s.skill, groups.get(s.point_id, 0))


def _demand(
    shifts: Sequence[ShiftIn], days: list[dt.date], groups: dict[int, int] | None = None
) -> tuple[list[ShiftType], list[dict[int, int]]]:
    groups = groups or {}
    types: list[ShiftType] = []
    index: dict[ShiftType, int] = {}
    for s in shifts:
        t = _shift_type(s, groups)
        if t not in index:
            index[t] = len(types)
            types.append(t)
    demand: list[dict[int, int]] = []
    for day in days:
        row: dict[int, int] = defaultdict(int)
        for s in shifts:
            if day.weekday() in s.weekdays:
                row[index[_shift_type(s, groups)]] += s.head_count
        demand.append(dict(row))
    return types, demand


def _group_points(groups: dict[int, int]) -> dict[int, frozenset[int]]:
    members: dict[int, set[int]] = defaultdict(set)
    for point_id, g in groups.items():
        members[g].add(point_id)
    return {g: frozenset(pts) for g, pts in members.items()}


def _pairing_shortfalls(
    shifts: Sequence[ShiftIn],
    persons: Sequence[PersonIn],
    days: list[dt.date],
    rules: RosterRules,
) -> list[str]:
    """Shortfalls of the pairing rule: a group of points whose paired people cannot fill its shifts."""
    groups = point_groups(shifts, persons)
    members = _group_points(groups)
    problems: list[str] = []
    names = {g: "、".join(sorted({s.name for s in shifts if groups[s.point_id] == g})) for g in members}
    weeks: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, day in enumerate(days):
        weeks[_week_key(day)].append(i)
    for g, pts in sorted(members.items()):
        sample = next(iter(pts))
        able = [p for p in persons if works_at(p, sample)]
        need_by_day = [
            sum(s.head_count for s in shifts if groups[s.point_id] == g and day.weekday() in s.weekdays)
            for day in days
        ]
        for i, day in enumerate(days):
            avail = sum(1 for p in able if _available(p, day))
            if need_by_day[i] > avail:
                problems.append(
                    _("%(d)s 班次「%(s)s」共需 %(n)d 人次，只有 %(a)d 名结对人员可值班。")
                    % {"d": day, "s": names[g], "n": need_by_day[i], "a": avail}
                )
        for (year, week), idx in weeks.items():
            need = sum(need_by_day[i] for i in idx)
            supply = sum(min(_cap(p, rules), sum(1 for i in idx if _available(p, days[i]))) for p in able)
            if need > supply:
                problems.append(
                    _(
                        "%(y)d 年第 %(w)d 周班次「%(s)s」共需 %(n)d 人次，结对人员（%(p)d 人）最多只能排 %(a)d 人次。"
                    )
                    % {"y": year, "w": week, "s": names[g], "n": need, "p": len(able), "a": supply}
                )
    return problems


def check_capacity(
    shifts: Sequence[ShiftIn], persons: Sequence[PersonIn], start: dt.date, end: dt.date, rules: RosterRules
) -> list[str]:
    """Shortfalls found by arithmetic before solving, in Chinese; empty when the counts add up."""
    if end < start:
        return [_("结束日期不能早于开始日期。")]
    if not shifts:
        return [_("没有需要排班的班次。")]
    days = days_between(start, end)
    types, demand = _demand(shifts, days)
    if not persons:
        total = sum(sum(row.values()) for row in demand)
        return [
            _("%(a)s 至 %(b)s 没有可排班的人员，%(n)d 个班次人次无人可排。")
            % {"a": start, "b": end, "n": total}
        ]
    problems: list[str] = []
    for day, row in zip(days, demand, strict=True):
        avail = [p for p in persons if _available(p, day)]
        need = sum(row.values())
        if need > len(avail):
            problems.append(
                _("%(d)s 共需 %(n)d 人次，只有 %(a)d 人可值班（每人每天最多一班）。")
                % {"d": day, "n": need, "a": len(avail)}
            )
            continue
        by_skill: dict[str, int] = defaultdict(int)
        for k, n in row.items():
            t = types[k]
            if t.skill:
                by_skill[t.skill] += n
            ok = sum(1 for p in avail if not t.skill or t.skill in p.skills)
            if n > ok:
                problems.append(
                    _("%(d)s 班次 %(t)s 需要 %(n)d 人，只有 %(a)d 人可排。")
                    % {"d": day, "t": t.label(), "n": n, "a": ok}
                )
        for skill, n in by_skill.items():
            ok = sum(1 for p in avail if skill in p.skills)
            if n > ok and not any(types[k].skill == skill and row[k] > ok for k in row):
                problems.append(
                    _("%(d)s 需要 %(n)d 名具备「%(s)s」技能的人员，只有 %(a)d 名可排。")
                    % {"d": day, "n": n, "s": skill, "a": ok}
                )
    weeks: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, day in enumerate(days):
        weeks[_week_key(day)].append(i)
    for (year, week), idx in weeks.items():
        need = sum(sum(demand[i].values()) for i in idx)
        supply = sum(min(_cap(p, rules), sum(1 for i in idx if _available(p, days[i]))) for p in persons)
        if need > supply:
            problems.append(
                _(
                    "%(y)d 年第 %(w)d 周共需 %(n)d 人次，按每人每周最多 %(c)d 班只能排 %(s)d 人次（%(p)d 人）。"
                )
                % {
                    "y": year,
                    "w": week,
                    "n": need,
                    "c": rules.max_shifts_per_week,
                    "s": supply,
                    "p": len(persons),
                }
            )
    if not problems and not rules.cover_elsewhere:
        problems = _pairing_shortfalls(shifts, persons, days, rules)
    return problems


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.first_at: float | None = None
        self.trajectory: list[tuple[float, float, float]] = []

    def on_solution_callback(self) -> None:
        now = time.perf_counter() - self.started
        if self.first_at is None:
            self.first_at = now
        self.trajectory.append((now, self.objective_value, self.best_objective_bound))


def _fairness_bound(
    model: cp_model.CpModel,
    types: list[ShiftType],
    demand: list[dict[int, int]],
    bands: dict[int, tuple[int, int, cp_model.IntVar]],
    person_by_id: dict[int, PersonIn],
    total_demand: int,
) -> int:
    """A lower bound of the fairness objective from counting, added to the model as constraints.

    For a skill with demand D, the people who have it must work at least D shifts in total, so together
    they exceed their upper bands by at least D - sum(hi); the people without it share at most the other
    shifts, so together they fall short of their lower bands by at least sum(lo) - (total - D). Each
    shift beyond a band costs TOTAL_WEIGHT. Returns the weighted bound (0 when counting shows nothing)."""
    best = 0
    for skill in sorted({t.skill for t in types if t.skill}):
        need = sum(n for row in demand for k, n in row.items() if types[k].skill == skill)
        have = [pid for pid in bands if skill in person_by_id[pid].skills]
        lack = [pid for pid in bands if skill not in person_by_id[pid].skills]
        over = need - sum(bands[pid][1] for pid in have)
        under = sum(bands[pid][0] for pid in lack) - (total_demand - need)
        for pids, short in ((have, over), (lack, under)):
            if short > 0 and pids:
                model.add(sum(bands[pid][2] for pid in pids) >= short)
                best = max(best, TOTAL_WEIGHT * short)
    return best


def _components(
    persons: Sequence[PersonIn], types: list[ShiftType], y: dict[tuple[int, int, int], cp_model.IntVar]
) -> dict[tuple[str, int], int]:
    """Connected components of people ("p", id) and point groups ("g", group), linked where a person may
    work a shift of the group; maps each node to its component's number."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in persons:
        find(("p", p.id))
    for t in types:
        find(("g", t.group))
    for pid, _i, k in y:
        a, b = find(("p", pid)), find(("g", types[k].group))
        if a != b:
            parent[a] = b
    roots: dict[tuple[str, int], int] = {}
    return {node: roots.setdefault(find(node), len(roots)) for node in list(parent)}


Part = tuple[list[ShiftIn], list[PersonIn]]


def _independent_parts(
    shifts: Sequence[ShiftIn], persons: Sequence[PersonIn], rules: RosterRules
) -> list[Part]:
    """The roster split into parts that share nobody: the shifts of points linked through the people who
    may work them (everything is one part when cover elsewhere is allowed or someone may work anywhere).
    People who may work none of the shifts are left out (they get no shift in any case)."""
    if rules.cover_elsewhere or any(not p.points for p in persons):
        return [(list(shifts), list(persons))]
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    shift_points = {s.point_id for s in shifts}
    for point_id in shift_points:
        find(point_id)
    for p in persons:
        mine = sorted(p.points & shift_points)
        for other in mine[1:]:
            a, b = find(mine[0]), find(other)
            if a != b:
                parent[a] = b
    parts: dict[int, Part] = {}
    for s in shifts:
        parts.setdefault(find(s.point_id), ([], []))[0].append(s)
    for p in persons:
        mine = sorted(p.points & shift_points)
        if mine:
            parts[find(mine[0])][1].append(p)
    return [parts[key] for key in sorted(parts)]


def _solve_parts(
    parts: list[Part],
    start: dt.date,
    end: dt.date,
    rules: RosterRules,
    *,
    started: float,
    time_limit: float,
    **options: Any,
) -> RosterResult:
    """Solve independent parts one after another and join them: each part gets an equal share of the time
    left, so the small parts that finish early leave more for the rest. The joined roster is optimal when
    every part is, and its objective and bound are the sums of the parts'."""
    deadline = started + time_limit
    results: list[RosterResult] = []
    ordered = sorted(parts, key=lambda part: len(part[0]) * len(part[1]))
    for n, (part_shifts, part_persons) in enumerate(ordered):
        share = max(0.2, (deadline - time.perf_counter()) / (len(ordered) - n))
        results.append(
            solve_roster(part_shifts, part_persons, start, end, rules, time_limit=share, **options)
        )
    out = RosterResult(status="optimal", seconds=time.perf_counter() - started)
    for r in results:
        out.assignments.extend(r.assignments)
        out.stage1_seconds += r.stage1_seconds
        out.stage2_seconds += r.stage2_seconds
        out.variables += r.variables
    for status in ("infeasible", "unknown", "feasible"):
        if any(r.status == status for r in results):
            out.status = status
            break
    if out.status == "unknown":
        out.assignments = []
        out.explanation = _("在 %(t)s 秒内没有找到可行排班，请延长求解时间。") % {"t": time_limit}
        return out
    if not out.ok:
        out.assignments = []
        out.explanation = "\n".join(
            dict.fromkeys(r.explanation for r in results if not r.ok and r.explanation)
        )
        return out
    firsts = [r.first_feasible_s for r in results if r.first_feasible_s is not None]
    out.first_feasible_s = max(firsts) if firsts else None
    out.objective = sum(r.objective or 0.0 for r in results)
    out.bound = sum(r.bound or 0.0 for r in results)
    obj = out.objective
    out.gap = 0.0 if out.status == "optimal" else abs(obj - out.bound) / max(1.0, abs(obj))
    return out


def _solver(time_limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def solve_roster(
    shifts: Sequence[ShiftIn],
    persons: Sequence[PersonIn],
    start: dt.date,
    end: dt.date,
    rules: RosterRules,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    fair_first: float = 0.5,
    counting_bound: bool = True,
    split: bool = True,
) -> RosterResult:
    """Solve a roster. ``fair_first`` is the share of the time limit first spent looking for a perfectly
    fair roster (0 turns that phase off); ``counting_bound`` adds the fairness lower bound found by
    counting skills (see ``_fairness_bound``); ``split`` solves the parts that share nobody apart (see
    ``_independent_parts``). All three only speed up the proof: the optimum is the same."""
    started = time.perf_counter()
    problems = check_capacity(shifts, persons, start, end, rules)
    if problems:
        return RosterResult(status="infeasible", explanation="\n".join(problems))
    parts = _independent_parts(shifts, persons, rules) if split else []
    if len(parts) > 1:
        return _solve_parts(
            parts,
            start,
            end,
            rules,
            started=started,
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            fair_first=fair_first,
            counting_bound=counting_bound,
        )
    days = days_between(start, end)
    groups = point_groups(shifts, persons)
    members = _group_points(groups)
    types, demand = _demand(shifts, days, groups)
    # whether each person works at each group's points (true for all points of a group, or for none)
    at_home = {(p.id, g): works_at(p, next(iter(pts))) for p in persons for g, pts in members.items()}
    model = cp_model.CpModel()
    y: dict[tuple[int, int, int], cp_model.IntVar] = {}
    cover: list[cp_model.IntVar] = []
    for p in persons:
        for i, day in enumerate(days):
            if not _available(p, day):
                continue
            for k, n in demand[i].items():
                if n <= 0 or (types[k].skill and types[k].skill not in p.skills):
                    continue
                home = at_home.get((p.id, types[k].group), True)
                if not home and not rules.cover_elsewhere:
                    continue
                y[p.id, i, k] = var = model.new_bool_var("")
                if not home:
                    cover.append(var)
    by_slot: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    by_person_day: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    by_person: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    by_person_night: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    is_night = [covers_night(start, t.start, t.end) for t in types]
    night_days_of: dict[int, set[int]] = defaultdict(set)
    for (pid, i, k), var in y.items():
        by_slot[i, k].append(var)
        by_person_day[pid, i].append(var)
        by_person[pid].append(var)
        if is_night[k]:
            by_person_night[pid].append(var)
            night_days_of[pid].add(i)
    for i, row in enumerate(demand):
        for k, n in row.items():
            if n > 0:
                model.add(sum(by_slot[i, k]) == n)
    for vars_ in by_person_day.values():
        if len(vars_) > 1:
            model.add_at_most_one(vars_)
    # rest between shifts on different days: conflicts depend only on the types and the day offset
    rest = dt.timedelta(hours=rules.min_rest_hours)
    max_len = max(
        (shift_interval(start, st.start, st.end).end - shift_interval(start, st.start, st.end).start)
        for st in types
    )
    max_delta = 1 + int((max_len + rest).total_seconds() // 86400)
    conflicts: dict[tuple[int, int], list[int]] = {}
    for delta in range(1, max_delta + 1):
        for k, t in enumerate(types):
            first = shift_interval(start, t.start, t.end)
            later = []
            for k2, t2 in enumerate(types):
                second = shift_interval(start + dt.timedelta(days=delta), t2.start, t2.end)
                if second.start < first.end + rest:
                    later.append(k2)
            conflicts[delta, k] = later
    for (pid, i, k), var in y.items():
        for delta in range(1, max_delta + 1):
            nxt = [y[pid, i + delta, k2] for k2 in conflicts[delta, k] if (pid, i + delta, k2) in y]
            if nxt:
                model.add(var + sum(nxt) <= 1)
    weeks: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, day in enumerate(days):
        weeks[_week_key(day)].append(i)
    person_by_id = {p.id: p for p in persons}
    for p in persons:
        cap = _cap(p, rules)
        for idx in weeks.values():
            vars_ = [v for i in idx for v in by_person_day.get((p.id, i), [])]
            if len(vars_) > cap:
                model.add(sum(vars_) <= cap)
    # fairness: each person's totals near a target proportional to the shifts they could work
    total_demand = sum(sum(row.values()) for row in demand)
    capacity: dict[int, int] = {}
    night_capacity: dict[int, int] = {}
    for p in persons:
        cap = _cap(p, rules)
        capacity[p.id] = sum(
            min(cap, len({i for i in idx if (p.id, i) in by_person_day})) for idx in weeks.values()
        )
        night_days = night_days_of.get(p.id, set())
        night_capacity[p.id] = sum(min(cap, len(night_days & set(idx))) for idx in weeks.values())
    # the targets are shared within each set of people and point groups linked by who may work where
    # (everybody, when nobody is restricted or cover elsewhere is allowed)
    component = _components(persons, types, y)
    need_of: dict[int, int] = defaultdict(int)
    night_need_of: dict[int, int] = defaultdict(int)
    for row in demand:
        for k, n in row.items():
            c = component.get(("g", types[k].group))
            if c is None:
                continue
            need_of[c] += n
            if is_night[k]:
                night_need_of[c] += n
    devs = []
    dev_vars: list[cp_model.IntVar] = []
    bands: dict[int, tuple[int, int, cp_model.IntVar]] = {}
    for label, needs, caps, person_vars, weight in (
        ("t", need_of, capacity, by_person, TOTAL_WEIGHT),
        ("n", night_need_of, night_capacity, by_person_night, NIGHT_WEIGHT),
    ):
        cap_of: dict[int, int] = defaultdict(int)
        for pid in person_vars:
            cap_of[component[("p", pid)]] += caps[pid]
        for pid, vars_ in person_vars.items():
            c = component[("p", pid)]
            need, total_cap = needs.get(c, 0), cap_of[c]
            if need <= 0 or total_cap <= 0:
                continue
            target = need * caps[pid] / total_cap
            lo, hi = math.floor(target), math.ceil(target)
            dev = model.new_int_var(0, len(vars_), f"d{label}{pid}")
            model.add(dev >= sum(vars_) - hi)
            model.add(dev >= lo - sum(vars_))
            devs.append(weight * dev)
            dev_vars.append(dev)
            if label == "t":
                bands[pid] = (lo, hi, dev)
    if devs or cover:
        model.minimize(sum(devs) + COVER_WEIGHT * sum(cover))
    lower = _fairness_bound(model, types, demand, bands, person_by_id, total_demand) if counting_bound else 0
    if lower:
        model.add(sum(devs) >= lower)
    progress = _Progress(started)
    fair_found = False
    if dev_vars and fair_first > 0 and not lower and not cover:
        # Fairness first: every deviation is >= 0, so a roster with every count within its target band
        # is optimal (objective 0 = the bound). Look for one as a pure feasibility problem, which CP-SAT
        # solves far faster than it closes the gap of the weighted sum. If there is none (proven), the
        # optimum is at least 1, which becomes a bound of the full model.
        hard = model.clone()
        hard.clear_objective()
        for dev in dev_vars:
            hard.add(hard.get_int_var_from_proto_index(dev.index) == 0)
        solver = _solver(time_limit * fair_first, workers, seed)
        status = solver.solve(hard, progress)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            status, fair_found = cp_model.OPTIMAL, True
            progress.trajectory.append((time.perf_counter() - started, 0.0, 0.0))
        else:
            if status == cp_model.INFEASIBLE:
                model.add(sum(devs) >= 1)
            remaining = max(1.0, time_limit - (time.perf_counter() - started))
            solver = _solver(remaining, workers, seed)
            status = solver.solve(model, progress)
    else:
        solver = _solver(time_limit, workers, seed)
        status = solver.solve(model, progress)
    stage1 = time.perf_counter() - started
    result = RosterResult(
        status="unknown",
        seconds=stage1,
        stage1_seconds=stage1,
        variables=len(y),
        first_feasible_s=progress.first_at,
    )
    result.trajectory = progress.trajectory
    if status == cp_model.INFEASIBLE:
        result.status = "infeasible"
        result.explanation = _(
            "按休息时间、每周上限与技能要求无法排满全部班次：请增加人员、放宽每周上限或减少班次人数。"
        )
        return result
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.explanation = _("在 %(t)s 秒内没有找到可行排班，请延长求解时间。") % {"t": time_limit}
        return result
    chosen: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (pid, i, k), var in y.items():
        if solver.value(var):
            chosen[i, k].append(pid)
    placing = time.perf_counter()
    result.assignments = _place(shifts, types, days, chosen, person_by_id, groups)
    result.stage2_seconds = time.perf_counter() - placing
    result.seconds = time.perf_counter() - started
    if fair_found:
        result.objective = result.bound = 0.0
    elif devs or cover:
        result.objective = float(solver.objective_value)
        result.bound = float(solver.best_objective_bound)
    else:
        result.objective = result.bound = 0.0
    result.status = "optimal" if status == cp_model.OPTIMAL else "feasible"
    obj = result.objective or 0.0
    result.gap = 0.0 if result.status == "optimal" else abs(obj - (result.bound or 0.0)) / max(1.0, abs(obj))
    return result


def _place(
    shifts: Sequence[ShiftIn],
    types: list[ShiftType],
    days: list[dt.date],
    chosen: dict[tuple[int, int], list[int]],
    person_by_id: dict[int, PersonIn],
    groups: dict[int, int],
) -> list[tuple[int, dt.date, int]]:
    """Stage 2: put the people chosen for each type and day on that day's shifts of the type."""
    type_of = {s.id: types.index(_shift_type(s, groups)) for s in shifts}
    out: list[tuple[int, dt.date, int]] = []
    yesterday: dict[int, int] = {}
    for i, day in enumerate(days):
        today: dict[int, int] = {}
        todays = [s for s in shifts if day.weekday() in s.weekdays]
        for k in range(len(types)):
            pool = sorted(chosen.get((i, k), []))
            if not pool:
                continue
            free = set(pool)
            for s in sorted((s for s in todays if type_of[s.id] == k), key=lambda s: s.id):
                point_id = s.point_id

                def rank(
                    pid: int, point_id: int = point_id, before: dict[int, int] = yesterday
                ) -> tuple[bool, bool, int]:
                    return (point_id not in person_by_id[pid].points, before.get(pid) != point_id, pid)

                ranked = sorted(free, key=rank)
                for pid in ranked[: s.head_count]:
                    out.append((s.id, day, pid))
                    today[pid] = s.point_id
                    free.discard(pid)
        yesterday = today
    return out

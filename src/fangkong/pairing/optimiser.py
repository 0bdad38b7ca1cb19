"""The pairing optimiser (OR-Tools CP-SAT): proposes which cadre goes to which fixed point.

Hard rules: every point gets at least its required number of cadres; each cadre gets at least one and at
most ``max_points_per_cadre`` points; a cadre is never sent to the neighborhood they live in when the HQ sets
that rule. Soft goals, in order of weight: change as few existing pairings as possible, match line
departments to the point kinds they suit (affinity), and spread the extra cadres evenly.

The capacity arithmetic is checked before the solver runs, so infeasible input gets a plain explanation
naming the binding shortfall instead of a solver status.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ortools.sat.python import cp_model

CHANGE_WEIGHT = 10
BALANCE_WEIGHT = 2
MAX_AFFINITY = 3
DEFAULT_AFFINITY = 1

# The default affinity between line-department kinds and point kinds (0–3); the HQ can override it.
DEFAULT_AFFINITY_TABLE: dict[str, dict[str, int]] = {
    "market_regulation": {"premises": 3, "organization": 3, "neighborhood": 1},
    "city_management": {"premises": 3, "organization": 2, "neighborhood": 1},
    "education": {"neighborhood": 3, "premises": 0, "organization": 1},
    "civil_affairs": {"neighborhood": 3, "organization": 2},
    "health": {"neighborhood": 2, "organization": 2},
}


@dataclass(frozen=True)
class CadreIn:
    id: int
    name: str
    dept_kind: str = "other"
    dept_label: str = ""
    home_neighborhood_id: int | None = None
    current_points: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PointIn:
    id: int
    name: str
    kind: str
    neighborhood_id: int | None
    required: int


@dataclass(frozen=True)
class PairingRules:
    max_points_per_cadre: int = 1
    avoid_home_neighborhood: bool = True
    every_cadre_paired: bool = True
    affinity: dict[str, dict[str, int]] = field(default_factory=dict)

    def affinity_of(self, dept_kind: str, point_kind: str) -> int:
        table = self.affinity.get(dept_kind) or DEFAULT_AFFINITY_TABLE.get(dept_kind) or {}
        value = table.get(point_kind, DEFAULT_AFFINITY)
        return max(0, min(MAX_AFFINITY, int(value)))


# a reason: a key of REASONS and the values it is worded with
Reason = tuple[str, dict[str, Any]]


@dataclass
class PairingResult:
    status: str  # optimal | feasible | infeasible | unknown
    assignment: dict[int, list[int]] = field(default_factory=dict)
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    reason_parts: dict[int, list[Reason]] = field(default_factory=dict)
    explanation: str = ""

    @property
    def reasons(self) -> dict[int, str]:
        """Each cadre's reasons, worded in the active language."""
        return {cid: reason_text(parts) for cid, parts in self.reason_parts.items()}

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "feasible")


def eligible(cadre: CadreIn, point: PointIn, rules: PairingRules) -> bool:
    if rules.avoid_home_neighborhood and cadre.home_neighborhood_id is not None:
        return point.neighborhood_id != cadre.home_neighborhood_id
    return True


def check_capacity(cadres: Sequence[CadreIn], points: Sequence[PointIn], rules: PairingRules) -> list[str]:
    """The binding shortfalls, in Chinese, found by arithmetic alone; empty when the counts add up."""
    problems: list[str] = []
    if not points:
        return [_("没有在列的点位，无法结对。")]
    if not cadres:
        return [_("没有在岗的下沉干部，%(p)d 个点位无人可派。") % {"p": len(points)}]
    k = max(1, rules.max_points_per_cadre)
    need = sum(p.required for p in points)
    supply = len(cadres) * k
    if need > supply:
        if k == 1:
            problems.append(
                _("%(p)d 个点位需要 %(need)d 名干部，现有 %(have)d 名。")
                % {"p": len(points), "need": need, "have": len(cadres)}
            )
        else:
            problems.append(
                _(
                    "%(p)d 个点位共需 %(need)d 人次，现有 %(have)d 名干部、每人最多 %(k)d 个点位，只能提供 %(supply)d 人次。"
                )
                % {"p": len(points), "need": need, "have": len(cadres), "k": k, "supply": supply}
            )
    for p in points:
        n_ok = sum(1 for c in cadres if eligible(c, p, rules))
        if n_ok < p.required:
            problems.append(
                _("点位「%(name)s」需要 %(need)d 名干部，但只有 %(ok)d 名可派（其余干部住在该居民区）。")
                % {"name": p.name, "need": p.required, "ok": n_ok}
            )
    if rules.every_cadre_paired:
        for c in cadres:
            if not any(eligible(c, p, rules) for p in points):
                problems.append(_("干部 %(name)s 没有可派的点位（只剩其居住的居民区）。") % {"name": c.name})
    return problems


# The reasons a proposal gives, as message keys: stored with their values, and worded in the reader's
# language when shown (see ``reason_text``).
REASONS = {
    "keep": gettext_noop("保留原结对「%(p)s」，减少调整。"),
    "affinity": gettext_noop("%(dept)s对口%(kind)s，派往「%(p)s」。"),
    "fill": gettext_noop("补足「%(p)s」的人手（需要 %(n)d 名）。"),
    "home": gettext_noop("不派往本人居住的居民区。"),
    "remove": gettext_noop("按新方案撤销。"),
}


def _reason(cadre: CadreIn, point: PointIn, rules: PairingRules, required: int) -> Reason:
    if point.id in cadre.current_points:
        return "keep", {"p": point.name}
    aff = rules.affinity_of(cadre.dept_kind, point.kind)
    if aff >= 2:
        return "affinity", {
            "dept_kind": cadre.dept_kind,
            "dept": cadre.dept_label,
            "kind": point.kind,
            "p": point.name,
        }
    return "fill", {"p": point.name, "n": required}


def reason_text(parts: Sequence[Sequence[Any]]) -> str:
    """The reasons ``[(key, values), ...]`` in the active language; kinds are named by their labels."""
    from fangkong.pairing.choices import PointKind
    from fangkong.registry.choices import DepartmentKind

    depts = dict(DepartmentKind.choices)
    kinds = dict(PointKind.choices)
    out = []
    for key, values in parts:
        if key not in REASONS:
            continue
        values = dict(values)
        if key == "affinity":
            values["dept"] = str(
                depts.get(values.get("dept_kind", ""), values.get("dept") or values.get("dept_kind", ""))
            )
            values["kind"] = str(kinds.get(values.get("kind", ""), values.get("kind", "")))
        try:
            out.append(_(REASONS[key]) % values)
        except (KeyError, TypeError, ValueError):
            continue
    return "".join(out)


def solve_pairing(
    cadres: Sequence[CadreIn],
    points: Sequence[PointIn],
    rules: PairingRules,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
) -> PairingResult:
    started = time.perf_counter()
    problems = check_capacity(cadres, points, rules)
    if problems:
        return PairingResult(status="infeasible", explanation="\n".join(problems), seconds=0.0)
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for c in cadres:
        for p in points:
            if eligible(c, p, rules):
                x[c.id, p.id] = model.new_bool_var(f"x_{c.id}_{p.id}")
    k = max(1, rules.max_points_per_cadre)
    for c in cadres:
        mine = [x[c.id, p.id] for p in points if (c.id, p.id) in x]
        model.add(sum(mine) <= k)
        if rules.every_cadre_paired:
            model.add(sum(mine) >= 1)
    extras = []
    for p in points:
        theirs = [x[c.id, p.id] for c in cadres if (c.id, p.id) in x]
        model.add(sum(theirs) >= p.required)
        extra = model.new_int_var(0, len(cadres), f"extra_{p.id}")
        model.add(extra == sum(theirs) - p.required)
        extras.append(extra)
    max_extra = model.new_int_var(0, len(cadres), "max_extra")
    model.add_max_equality(max_extra, extras)
    terms = []
    by_id = {c.id: c for c in cadres}
    point_by_id = {p.id: p for p in points}
    constant = 0
    for (cid, pid), var in x.items():
        c = by_id[cid]
        cost = MAX_AFFINITY - rules.affinity_of(c.dept_kind, point_by_id[pid].kind)
        if pid in c.current_points:
            # keeping costs nothing; dropping costs a change: CHANGE_WEIGHT * (1 - x)
            constant += CHANGE_WEIGHT
            terms.append((cost - CHANGE_WEIGHT) * var)
        else:
            terms.append((cost + CHANGE_WEIGHT) * var)
    # existing pairings the rules now forbid are changes whatever happens
    for c in cadres:
        constant += CHANGE_WEIGHT * sum(1 for pid in c.current_points if (c.id, pid) not in x)
    model.minimize(sum(terms) + BALANCE_WEIGHT * max_extra + constant)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    seconds = time.perf_counter() - started
    if status == cp_model.INFEASIBLE:
        return PairingResult(
            status="infeasible",
            seconds=seconds,
            explanation=_(
                "在现有规则下找不到可行方案：若干点位争用同一批干部，请放宽“不派往居住地”或每人点位数的限制。"
            ),
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PairingResult(
            status="unknown",
            seconds=seconds,
            explanation=_("在 %(t)s 秒内没有找到方案，请延长求解时间。") % {"t": time_limit},
        )
    assignment: dict[int, list[int]] = {c.id: [] for c in cadres}
    for (cid, pid), var in x.items():
        if solver.value(var):
            assignment[cid].append(pid)
    required = {p.id: p.required for p in points}
    reason_parts: dict[int, list[Reason]] = {}
    for c in cadres:
        pids = assignment[c.id]
        parts = [_reason(c, point_by_id[pid], rules, required[pid]) for pid in pids[:1]]
        if rules.avoid_home_neighborhood and c.home_neighborhood_id is not None and parts:
            parts.append(("home", {}))
        reason_parts[c.id] = parts
    objective = float(solver.objective_value)
    bound = float(solver.best_objective_bound)
    gap = 0.0 if status == cp_model.OPTIMAL else abs(objective - bound) / max(1.0, abs(objective))
    return PairingResult(
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        assignment=assignment,
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=seconds,
        reason_parts=reason_parts,
    )

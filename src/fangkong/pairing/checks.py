"""Independent rule checkers for pairings and rosters.

These re-check every hard rule from the plain data, without the solver: the tests run them on the solvers'
output, and roster pages run them after hand edits to show rule violations as warnings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

# ------------------------------------------------------------------ pairings


def pairing_violations(
    cadres: Sequence, points: Sequence, rules, assignment: Mapping[int, Iterable[int]]
) -> list[str]:
    """Every broken hard rule of a pairing assignment (cadre id -> point ids)."""
    out: list[str] = []
    point_by_id = {p.id: p for p in points}
    cadre_by_id = {c.id: c for c in cadres}
    counts: dict[int, int] = defaultdict(int)
    for cid, pids in assignment.items():
        pids = list(pids)
        cadre = cadre_by_id.get(cid)
        if cadre is None:
            out.append(f"unknown cadre {cid}")
            continue
        if len(set(pids)) != len(pids):
            out.append(f"cadre {cid} paired twice to one point")
        if len(pids) > rules.max_points_per_cadre:
            out.append(f"cadre {cid} has {len(pids)} points > {rules.max_points_per_cadre}")
        if rules.every_cadre_paired and not pids:
            out.append(f"cadre {cid} has no point")
        for pid in set(pids):
            point = point_by_id.get(pid)
            if point is None:
                out.append(f"unknown point {pid}")
                continue
            counts[pid] += 1
            if (
                rules.avoid_home_neighborhood
                and cadre.home_neighborhood_id is not None
                and point.neighborhood_id == cadre.home_neighborhood_id
            ):
                out.append(f"cadre {cid} sent to home neighborhood {point.neighborhood_id}")
    if rules.every_cadre_paired:
        for cid in cadre_by_id:
            if cid not in assignment:
                out.append(f"cadre {cid} has no point")
    for p in points:
        if counts[p.id] < p.required:
            out.append(f"point {p.id} has {counts[p.id]} < {p.required}")
    return out


# ------------------------------------------------------------------ rosters


@dataclass(frozen=True)
class Interval:
    start: dt.datetime
    end: dt.datetime


def shift_interval(day: dt.date, start: dt.time, end: dt.time) -> Interval:
    """A shift's naive local interval on ``day``; an end at or before the start falls on the next day."""
    s = dt.datetime.combine(day, start)
    e = dt.datetime.combine(day, end)
    if e <= s:
        e += dt.timedelta(days=1)
    return Interval(s, e)


def covers_night(day: dt.date, start: dt.time, end: dt.time) -> bool:
    """A night shift is one that covers any of 00:00–05:00 or starts at 20:00 or later."""
    iv = shift_interval(day, start, end)
    if start >= dt.time(20, 0):
        return True
    night = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0))
    night_end = night + dt.timedelta(hours=5)
    early = dt.datetime.combine(day, dt.time(0, 0))
    early_end = early + dt.timedelta(hours=5)
    return (iv.start < night_end and iv.end > night) or (iv.start < early_end and iv.end > early)


def roster_violations(
    *,
    shifts: Sequence,
    persons: Sequence,
    start: dt.date,
    end: dt.date,
    assignments: Iterable[tuple[int, dt.date, int]],
    max_shifts_per_week: int,
    min_rest_hours: int,
    check_coverage: bool = True,
    cover_elsewhere: bool = False,
) -> list[str]:
    """Broken hard rules of a roster, in Chinese. ``assignments`` holds (shift id, date, person id).

    Rules: head count met on every shift-day; people available (weekday, leave); skills; a person with
    paired points works only at those points (unless ``cover_elsewhere``); at most one shift per day; at
    least ``min_rest_hours`` between shifts and no overlap; at most N shifts per week.
    """
    shift_by_id = {s.id: s for s in shifts}
    person_by_id = {p.id: p for p in persons}
    out: list[str] = []
    rows = list(assignments)
    per_slot: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    per_person: dict[int, list[tuple[Interval, int, dt.date]]] = defaultdict(list)
    for sid, day, pid in rows:
        shift = shift_by_id.get(sid)
        person = person_by_id.get(pid)
        if shift is None or person is None:
            out.append(_("排班引用了未知的班次或人员。"))
            continue
        if not start <= day <= end:
            out.append(_("%(d)s 不在值班表日期范围内。") % {"d": day})
        if day.weekday() not in shift.weekdays:
            out.append(_("%(d)s 不是班次「%(s)s」的值班日。") % {"d": day, "s": shift.name})
        per_slot[sid, day].append(pid)
        per_person[pid].append((shift_interval(day, shift.start, shift.end), sid, day))
        if day.weekday() not in person.available_weekdays or day in person.unavailable_dates:
            out.append(_("%(p)s 在 %(d)s 不可值班（请假或不在可值班日）。") % {"p": person.name, "d": day})
        paired: frozenset[int] = getattr(person, "points", frozenset())
        if paired and shift.point_id not in paired and not cover_elsewhere:
            out.append(
                _("%(p)s 在 %(d)s 排在班次「%(s)s」，不是其结对点位。")
                % {"p": person.name, "d": day, "s": shift.name}
            )
        if shift.skill and shift.skill not in person.skills:
            out.append(
                _("%(p)s 不具备班次「%(s)s」所需的技能「%(k)s」。")
                % {"p": person.name, "s": shift.name, "k": shift.skill}
            )
    if check_coverage:
        day = start
        while day <= end:
            for shift in shifts:
                if day.weekday() not in shift.weekdays:
                    continue
                have = per_slot.get((shift.id, day), [])
                if len(have) != shift.head_count:
                    out.append(
                        _("%(d)s 班次「%(s)s」需要 %(n)d 人，实排 %(h)d 人。")
                        % {"d": day, "s": shift.name, "n": shift.head_count, "h": len(have)}
                    )
            day += dt.timedelta(days=1)
    for (sid, day), pids in per_slot.items():
        if len(set(pids)) != len(pids):
            out.append(_("%(d)s 班次「%(s)s」重复安排同一人。") % {"d": day, "s": shift_by_id[sid].name})
    rest = dt.timedelta(hours=min_rest_hours)
    for pid, items in per_person.items():
        name = person_by_id[pid].name
        days: dict[dt.date, int] = defaultdict(int)
        weeks: dict[tuple[int, int], int] = defaultdict(int)
        for _iv, _sid, day in items:
            days[day] += 1
            iso = day.isocalendar()
            weeks[iso[0], iso[1]] += 1
        for day, n in days.items():
            if n > 1:
                out.append(
                    _("%(p)s 在 %(d)s 排了 %(n)d 个班（每天最多一班）。") % {"p": name, "d": day, "n": n}
                )
        cap = max_shifts_per_week
        own = getattr(person_by_id[pid], "max_per_week", None)
        if own is not None:
            cap = min(cap, own)
        for (year, week), n in weeks.items():
            if n > cap:
                out.append(
                    _("%(p)s 在 %(y)d 年第 %(w)d 周排了 %(n)d 个班（上限 %(c)d）。")
                    % {"p": name, "y": year, "w": week, "n": n, "c": cap}
                )
        ordered = sorted(items, key=lambda t: t[0].start)
        for (a, _sa, da), (b, _sb, db) in zip(ordered, ordered[1:], strict=False):
            if b.start < a.end:
                out.append(_("%(p)s 的两个班次时间重叠（%(a)s 与 %(b)s）。") % {"p": name, "a": da, "b": db})
            elif b.start - a.end < rest:
                hours = (b.start - a.end).total_seconds() / 3600
                out.append(
                    _("%(p)s 在 %(a)s 与 %(b)s 的班次之间只休息 %(h).1f 小时（至少 %(r)d 小时）。")
                    % {"p": name, "a": da, "b": db, "h": hours, "r": min_rest_hours}
                )
    return out

"""Read-side of the pairing app: the coverage board, building coverage and check-in completion."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from fangkong.pairing.choices import RoundStatus
from fangkong.pairing.models import BuildingAssignment, CheckInRound, Pairing, Point
from fangkong.pairing.requirements import PointDemand, required_counts
from fangkong.registry.models import Building, Neighborhood, SupportCadre


@dataclass
class BoardRow:
    point: Point
    required: int
    covered: int
    cadres: list[str] = field(default_factory=list)
    buildings: int = 0
    buildings_assigned: int = 0

    @property
    def gap(self) -> int:
        return max(0, self.required - self.covered)

    @property
    def buildings_unowned(self) -> int:
        """Buildings of the point's neighborhood with nobody in charge under 分楼包干."""
        return max(0, self.buildings - self.buildings_assigned)

    @property
    def state(self) -> str:
        """``gap`` when nobody is paired or a building has no owner, ``short`` when too few are paired."""
        if self.covered == 0 or self.buildings_unowned:
            return "gap"
        if self.covered < self.required:
            return "short"
        return "ok"


def coverage_board(user: Any) -> list[BoardRow]:
    """Every fixed point the user may see, with who covers it, how many, and its required count.

    A fixed number of queries whatever the number of points: points, pairings (prefetched), the demand
    inputs per sub-district, and building counts.
    """
    from fangkong.pairing.services import settings_for

    points = list(
        Point.objects.visible_to(user)
        .filter(active=True)
        .prefetch_related(
            Prefetch(
                "pairings",
                queryset=Pairing.objects.filter(active=True).select_related("cadre", "responsibility"),
                to_attr="active_pairings",
            )
        )
        .order_by("kind", "name")
    )
    needs: dict[int, int] = {}
    for sub_id in {p.subdistrict_id for p in points}:
        settings = settings_for(sub_id)
        all_points = Point.objects.filter(subdistrict_id=sub_id, active=True).values_list(
            "pk", "kind", "households", "required_count"
        )
        cadres = SupportCadre.objects.filter(subdistrict_id=sub_id, active=True).count()
        needs.update(
            required_counts(
                [PointDemand(*row) for row in all_points],
                cadre_count=cadres,
                households_per_cadre=settings.households_per_cadre,
                unit_default=settings.unit_required_default,
            )
        )
    hood_ids = [p.neighborhood_id for p in points if p.kind == "neighborhood"]
    buildings = dict(
        Building.objects.filter(neighborhood_id__in=hood_ids)
        .values("neighborhood_id")
        .annotate(n=Count("id"))
        .values_list("neighborhood_id", "n")
    )
    assigned = dict(
        BuildingAssignment.objects.filter(neighborhood_id__in=hood_ids)
        .values("neighborhood_id")
        .annotate(n=Count("id"))
        .values_list("neighborhood_id", "n")
    )
    rows = []
    for p in points:
        pairings = getattr(p, "active_pairings", [])
        row = BoardRow(
            point=p,
            required=needs.get(p.pk, 1),
            covered=len(pairings),
            cadres=[pa.cadre.name for pa in pairings],
        )
        if p.kind == "neighborhood" and p.neighborhood_id is not None:
            row.buildings = buildings.get(p.neighborhood_id, 0)
            row.buildings_assigned = assigned.get(p.neighborhood_id, 0)
        rows.append(row)
    return rows


def board_totals(rows: list[BoardRow]) -> dict[str, int]:
    """The KPI cards. A point is covered when someone is paired and every building has an owner; a gap
    otherwise (so 已覆盖 + 无人覆盖 = 点位)."""
    return {
        "points": len(rows),
        "covered": sum(1 for r in rows if r.state != "gap"),
        "gaps": sum(1 for r in rows if r.state == "gap"),
        "short": sum(1 for r in rows if 0 < r.covered < r.required),
        "required": sum(r.required for r in rows),
        "cadres": sum(r.covered for r in rows),
        "buildings_unowned": sum(r.buildings_unowned for r in rows),
    }


def unassigned_buildings(user: Any) -> Any:
    return (
        Building.objects.visible_to(user)
        .filter(assignment__isnull=True)
        .select_related("compound", "neighborhood")
        .order_by("neighborhood__code", "compound__name", "name")
    )


@dataclass
class Completion:
    neighborhood: Neighborhood
    days: dict[dt.date, tuple[int, int]]  # day -> (done, total)

    def rate(self, day: dt.date) -> float | None:
        done, total = self.days.get(day, (0, 0))
        return done / total if total else None


def completion(user: Any, start: dt.date, end: dt.date) -> list[Completion]:
    """Done/total rounds per neighborhood per day, in two queries."""
    hoods = list(Neighborhood.objects.visible_to(user).order_by("code", "name"))
    rows = (
        CheckInRound.objects.visible_to(user)
        .filter(date__gte=start, date__lte=end)
        .values("neighborhood_id", "date")
        .annotate(total=Count("id"), done=Count("id", filter=Q(status=RoundStatus.DONE)))
    )
    by_hood: dict[int, dict[dt.date, tuple[int, int]]] = defaultdict(dict)
    for r in rows:
        by_hood[r["neighborhood_id"]][r["date"]] = (r["done"], r["total"])
    return [Completion(h, by_hood.get(h.pk, {})) for h in hoods]


def missed_today(user: Any, now: dt.datetime | None = None) -> Any:
    """Rounds of today whose deadline has passed without a check-in."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return (
        CheckInRound.objects.visible_to(user)
        .filter(date=today, due_at__lt=now)
        .exclude(status=RoundStatus.DONE)
        .select_related("building__compound", "template", "neighborhood")
        .order_by("neighborhood__code", "building__compound__name", "building__name", "slot")
    )


# ------------------------------------------------------------------ the user's own work


def task_list(user: Any, *, mine: bool) -> Any:
    """The tasks the user may see (scope, plus their own pairings' tasks); ``mine`` keeps those of their own
    pairings and of the teams they belong to."""
    from fangkong.pairing.models import PairingTask

    qs = PairingTask.objects.visible_to(user) | PairingTask.objects.filter(pairing__cadre__user=user)
    if mine:
        qs = qs.filter(
            Q(pairing__cadre__user=user)
            | Q(team__members__cadre__user=user)
            | Q(team__members__staff__user=user)
        )
    return qs.select_related("pairing__cadre", "pairing__point", "team").distinct()


def my_buildings(user: Any) -> Any:
    """The buildings the user is in charge of under 分楼包干 (as cadre or committee worker)."""
    return (
        BuildingAssignment.objects.filter(Q(cadre__user=user) | Q(staff__user=user))
        .select_related("building__compound", "neighborhood", "cadre")
        .order_by("neighborhood__code", "building__compound__name", "building__name")
    )


def my_shifts(user: Any, *, today: dt.date | None = None) -> Any:
    """The user's coming duty shifts (today on), from rosters that were solved or edited."""
    from fangkong.pairing.models import RosterAssignment

    today = today or timezone.localdate()
    return (
        RosterAssignment.objects.filter(Q(person__cadre__user=user) | Q(person__staff__user=user))
        .filter(date__gte=today)
        .exclude(roster__status="infeasible")
        .select_related("template__point", "roster")
        .order_by("starts_at")
    )


def rosters_for(user: Any) -> Any:
    """The rosters the user may open: those in scope, and any roster they are on themselves (a cadre on a
    sub-district roster sees it, as they see their shifts)."""
    from fangkong.pairing.models import Roster

    mine = Roster.objects.filter(Q(people__cadre__user=user) | Q(people__staff__user=user))
    return Roster.objects.filter(
        Q(pk__in=Roster.objects.visible_to(user).values("pk")) | Q(pk__in=mine.values("pk"))
    )

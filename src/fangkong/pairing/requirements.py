"""How many cadres each fixed point needs: an explicit count, or by default in proportion to households."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PointDemand:
    id: int
    kind: str
    households: int
    required_count: int | None


def required_counts(
    points: Iterable[PointDemand],
    *,
    cadre_count: int,
    households_per_cadre: int = 0,
    unit_default: int = 1,
) -> dict[int, int]:
    """Required cadres per point.

    Explicit counts win. Units (premises, organisations) take ``unit_default``. Neighborhoods take
    ``ceil(households / households_per_cadre)`` when that rule is set, otherwise the cadres left after the
    fixed demands are apportioned by households (largest remainder), at least one per neighborhood.
    """
    points = list(points)
    out: dict[int, int] = {}
    hoods: list[PointDemand] = []
    for p in points:
        if p.required_count is not None:
            out[p.id] = int(p.required_count)
        elif p.kind != "neighborhood":
            out[p.id] = unit_default
        else:
            hoods.append(p)
    if not hoods:
        return out
    if households_per_cadre > 0:
        for p in hoods:
            out[p.id] = max(1, math.ceil(p.households / households_per_cadre))
        return out
    remaining = cadre_count - sum(out.values())
    total_households = sum(max(0, p.households) for p in hoods)
    if remaining <= len(hoods) or total_households <= 0:
        share = max(1, remaining // len(hoods)) if remaining > 0 else 1
        for p in hoods:
            out[p.id] = share
        return out
    extra = remaining - len(hoods)  # each neighborhood has one already
    quotas = [(extra * p.households / total_households, p) for p in hoods]
    floors = {p.id: int(math.floor(q)) for q, p in quotas}
    left = extra - sum(floors.values())
    order = sorted(quotas, key=lambda qp: (-(qp[0] - math.floor(qp[0])), qp[1].id))
    for _q, p in order[:left]:
        floors[p.id] += 1
    for p in hoods:
        out[p.id] = 1 + floors[p.id]
    return out

"""Today's figures from the catalogue (``core.catalogue``), counted live in the reader's scope, and the trends
from the daily snapshot.

One aggregate query per figure family (grouped by neighborhood), one for the neighborhoods, one for the
trends and one per "who has not reported" provider: the number of queries does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse

from fangkong.core import catalogue
from fangkong.core.catalogue import Family, Figure
from fangkong.core.scope import neighborhoods_of, subdistricts_of

TOTAL = 0  # the key of the sub-district's (the reader's scope's) total in Board.values


@dataclass
class Column:
    family: Family
    figure: Figure

    @property
    def key(self) -> str:
        return self.figure.key


@dataclass
class Board:
    day: dt.date
    columns: list[Column]
    neighborhoods: list[tuple[int, str]]
    values: dict[int, dict[str, int]] = field(default_factory=dict)  # hood id (TOTAL for all) -> key -> n
    subdistrict_id: int | None = None  # one sub-district of the reader's, when the board is narrowed to it

    def value(self, key: str, hood_id: int = TOTAL) -> int:
        return self.values.get(hood_id, {}).get(key, 0)

    def behind(self, column: Column, hood_id: int = TOTAL) -> bool:
        limit = column.figure.behind_above
        return limit is not None and self.value(column.key, hood_id) > limit

    def link(self, key: str, hood_id: int = TOTAL) -> str:
        return drill_url(key, self.day, hood_id or None, subdistrict_id=self.subdistrict_id)


def drill_url(
    key: str, day: dt.date, hood_id: int | None = None, *, subdistrict_id: int | None = None
) -> str:
    query = {"day": day.isoformat()}
    if hood_id:
        query["n"] = str(hood_id)
    elif subdistrict_id:
        query["sub"] = str(subdistrict_id)
    return reverse("command:figure", args=[key]) + "?" + urlencode(query)


def _base(family: Family, user: Any, subdistrict_id: int | None) -> Any:
    base = family.model()._default_manager.visible_to(user)
    if subdistrict_id is not None:
        base = base.filter(subdistrict_id=subdistrict_id)
    return base


def records(
    family: Family,
    figure: Figure,
    user: Any,
    day: dt.date,
    *,
    hood_id: int | None = None,
    subdistrict_id: int | None = None,
) -> Any:
    """Exactly the records ``figure`` counts for ``user`` on ``day`` (in one neighborhood, or one
    sub-district, when given)."""
    qs = family.records(_base(family, user, subdistrict_id), day)
    condition = figure.q(day)
    if condition is not None:
        qs = qs.filter(condition)
    if hood_id is not None and family.neighborhood:
        qs = qs.filter(**{family.neighborhood: hood_id})
    return qs


def _aggregate(figure: Figure, day: dt.date) -> Any:
    condition = figure.q(day)
    if figure.sum_field:
        return Sum(figure.sum_field, filter=condition) if condition is not None else Sum(figure.sum_field)
    field_name = figure.distinct_field or "pk"
    distinct = figure.distinct_field is not None
    if condition is not None:
        return Count(field_name, filter=condition, distinct=distinct)
    return Count(field_name, distinct=distinct)


def family_values(family: Family, base: Any, day: dt.date) -> dict[int | None, dict[str, int]]:
    """One query: the family's figures per neighborhood (``None`` for records without one)."""
    aggregates = {f"f{i}": _aggregate(fig, day) for i, fig in enumerate(family.figures)}
    qs = family.records(base, day).order_by()
    out: dict[int | None, dict[str, int]] = {}
    if family.neighborhood:
        rows = qs.values(family.neighborhood).annotate(**aggregates)
        for row in rows:
            hood = row[family.neighborhood]
            out[hood] = {fig.key: int(row[f"f{i}"] or 0) for i, fig in enumerate(family.figures)}
    else:
        row = qs.aggregate(**aggregates)
        out[None] = {fig.key: int(row[f"f{i}"] or 0) for i, fig in enumerate(family.figures)}
    return out


def compute(user: Any, day: dt.date, *, subdistrict_id: int | None = None) -> Board:
    """Today's board for ``user`` (one sub-district of theirs when given)."""
    from django.apps import apps

    neighborhood_model: Any = apps.get_model("registry", "Neighborhood")
    hoods = neighborhood_model.objects.visible_to(user)
    if subdistrict_id is not None:
        hoods = hoods.filter(subdistrict_id=subdistrict_id)
    board = Board(
        day=day,
        subdistrict_id=subdistrict_id,
        columns=[Column(fam, fig) for fam, fig in catalogue.all_figures()],
        neighborhoods=list(hoods.order_by("code", "pk").values_list("pk", "name")),
    )
    values: dict[int, dict[str, int]] = defaultdict(dict)
    for family in catalogue.families():
        for hood, figures in family_values(family, _base(family, user, subdistrict_id), day).items():
            for key, n in figures.items():
                if hood is not None:
                    values[hood][key] = values[hood].get(key, 0) + n
                values[TOTAL][key] = values[TOTAL].get(key, 0) + n
    board.values = dict(values)
    return board


@dataclass
class HeatCell:
    capability: str
    label: Any
    behind: bool
    figures: list[tuple[Column, int, bool]]


def heat_map(board: Board) -> list[tuple[tuple[int, str], list[HeatCell]]]:
    """Neighborhood × capability: a cell is behind (red) when any of its figures with a rule is behind."""
    caps = [
        c for c in catalogue.capabilities() if any(col.family.capability == c.key for col in board.columns)
    ]
    ruled = [col for col in board.columns if col.figure.behind_above is not None]
    rows = []
    for hood in board.neighborhoods:
        cells = []
        for cap in caps:
            figures = [
                (col, board.value(col.key, hood[0]), board.behind(col, hood[0]))
                for col in ruled
                if col.family.capability == cap.key
            ]
            if not figures:
                continue
            cells.append(HeatCell(cap.key, cap.label, any(b for _c, _n, b in figures), figures))
        rows.append((hood, cells))
    return rows


def heat_capabilities(board: Board) -> list[Any]:
    ruled = {col.family.capability for col in board.columns if col.figure.behind_above is not None}
    return [c for c in catalogue.capabilities() if c.key in ruled]


def trends(
    user: Any, keys: list[str], days: int, *, until: dt.date, subdistrict_id: int | None = None
) -> dict[str, list[tuple[dt.date, int]]]:
    """The daily snapshot's figures of the reader's scope for the last ``days`` days (one query): the
    sub-districts' totals for a sub-district reader, the sum of their neighborhoods for committee staff."""
    from fangkong.core.models import DailyFigure

    since = until - dt.timedelta(days=days - 1)
    qs = DailyFigure.objects.filter(key__in=keys, day__gte=since, day__lte=until)
    subs = subdistricts_of(user)
    if subs is not None:
        qs = qs.filter(subdistrict_id__in=subs)
    if subdistrict_id is not None:
        qs = qs.filter(subdistrict_id=subdistrict_id)
    hoods = neighborhoods_of(user)
    qs = qs.filter(neighborhood_id__in=hoods) if hoods is not None else qs.filter(neighborhood__isnull=True)
    rows = qs.values("day", "key").annotate(v=Sum("value")).order_by("day")
    found: dict[tuple[dt.date, str], int] = {(r["day"], r["key"]): int(r["v"] or 0) for r in rows}
    out: dict[str, list[tuple[dt.date, int]]] = {}
    for key in keys:
        out[key] = [
            (since + dt.timedelta(days=i), found.get((since + dt.timedelta(days=i), key), 0))
            for i in range(days)
        ]
    return out


def snapshot_provider(subdistrict_id: int, day: dt.date) -> list[tuple[int | None, str, float]]:
    """Every catalogue figure of one sub-district and day for ``core.figures``' daily snapshot (trends)."""
    out: list[tuple[int | None, str, float]] = []
    for family in catalogue.families():
        base = family.model()._default_manager.filter(subdistrict_id=subdistrict_id)
        totals: dict[str, float] = defaultdict(float)
        for hood, figures in family_values(family, base, day).items():
            for key, n in figures.items():
                if hood is not None:
                    out.append((hood, key, n))
                totals[key] += n
        for fig in family.figures:
            out.append((None, fig.key, totals.get(fig.key, 0)))
    return out

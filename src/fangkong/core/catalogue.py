"""The figure catalogue: each app declares its dashboard figures once, and the command app reads them.

A ``Family`` is one kind of record an app counts (today's check-in rounds, the isolations, the buildings) with
the figures it makes: each ``Figure`` is a condition on the family's records, so one aggregate query per
family and neighborhood gives every figure of the family, and the drill-down lists exactly the records a
figure counts (the same records, the same condition, the same scope). An app registers its families from its
``AppConfig.ready()`` with ``register_family`` (see ``pairing/dashboard.py``); core and the command app never
learn the app's models otherwise.

- ``records(base, day)`` narrows ``base`` (the model's rows the reader may see, or one sub-district's rows for
  the daily snapshot) to the family's records of ``day``.
- ``Figure.condition``: a ``Q`` on the family's records, or a function of the day giving one.
- ``Figure.kind``: a flow counts what happened on the day (bookings made today), a stock what stands at the
  day's end (people in isolation). Trends of both come from ``core.figures``' daily snapshot.
- ``Figure.behind_above``: a neighborhood is behind (red in the heat map) when the figure exceeds it.
- ``Figure.breakdown``: False for a headline total that means nothing per neighborhood (the count of
  neighborhoods): it is left out of the per-neighborhood tables and the trend charts.
- ``Figure.sum_field``: a stock summed from a column (masks in stock) instead of counted.
- ``Figure.distinct_field``: the number of distinct values of a column (the branches that attended a
  briefing) instead of the number of records.
- ``row(obj)`` gives the drill-down line of a record: its label (counts and masked names only, never a
  personal value) and the link to its page ("" when there is none).

A capability (``register_capability``) is a column of the heat map and a section of the bulletin; a family
names the capability it belongs to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

FLOW = "flow"
STOCK = "stock"


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    measure: str
    condition: Q | Callable[[dt.date], Q] | None = None
    kind: str = FLOW
    behind_above: int | None = None
    sum_field: str | None = None
    distinct_field: str | None = None  # counts the distinct values of this field (branches that attended)
    breakdown: bool = True  # shown per neighborhood (tables, heat map, trends); False: a headline total only

    def q(self, day: dt.date) -> Q | None:
        """The figure's condition on its family's records of ``day`` (None: every record counts)."""
        if self.condition is None or isinstance(self.condition, Q):
            return self.condition
        return self.condition(day)

    @property
    def is_sum(self) -> bool:
        return self.sum_field is not None


@dataclass(frozen=True)
class Family:
    name: str
    capability: str
    model: Callable[[], Any]  # the model class, asked lazily (apps declare before models are ready)
    records: Callable[[Any, dt.date], Any]
    figures: tuple[Figure, ...]
    row: Callable[[Any], tuple[str, str]] = field(default=lambda obj: (str(obj), ""))
    neighborhood: str = "neighborhood_id"
    select_related: tuple[str, ...] = ()
    order_by: tuple[str, ...] = ("-pk",)


@dataclass(frozen=True)
class Capability:
    key: str
    label: Any
    order: int = 100


_families: dict[str, Family] = {}
_capabilities: dict[str, Capability] = {}


def register_capability(capability: Capability) -> None:
    _capabilities.setdefault(capability.key, capability)


def register_family(family: Family) -> None:
    """Declare a family of figures (once; a second registration under the same name is ignored)."""
    if family.name in _families:
        return
    keys = {f.key for fam in _families.values() for f in fam.figures}
    clash = keys & {f.key for f in family.figures}
    if clash:
        raise ValueError(f"figure keys declared twice: {sorted(clash)}")
    _families[family.name] = family


def capabilities() -> list[Capability]:
    return sorted(_capabilities.values(), key=lambda c: (c.order, c.key))


def families() -> list[Family]:
    order = {c.key: (c.order, i) for i, c in enumerate(capabilities())}
    return sorted(_families.values(), key=lambda f: order.get(f.capability, (10**6, 0)))


def figure(key: str) -> tuple[Family, Figure] | None:
    for fam in _families.values():
        for fig in fam.figures:
            if fig.key == key:
                return fam, fig
    return None


def all_figures() -> list[tuple[Family, Figure]]:
    return [(fam, fig) for fam in families() for fig in fam.figures]


# "Who has not reported": each app names the people (or the neighborhoods) with duties overdue today, in the
# reader's scope, with one query. A provider is ``func(user, day) -> list[Laggard]``.


@dataclass(frozen=True)
class Laggard:
    neighborhood_id: int | None
    who: str  # a duty holder's name (a cadre, a committee worker), or "" for the neighborhood as a whole
    what: Any  # what is overdue, e.g. "逾期未打卡"
    count: int
    link: str = ""


_laggards: list[Callable[[Any, dt.date], list[Laggard]]] = []


def register_laggards(provider: Callable[[Any, dt.date], list[Laggard]]) -> None:
    if provider not in _laggards:
        _laggards.append(provider)


def laggards(user: Any, day: dt.date) -> list[Laggard]:
    out: list[Laggard] = []
    for provider in _laggards:
        out.extend(provider(user, day))
    return out


# The day's events for the daily report (new fevers, releases, dissuasions …): each app names its own, for one
# sub-district and day, with masked names only. A provider is ``func(subdistrict_id, day) -> list[Event]``.


@dataclass(frozen=True)
class Event:
    at: dt.datetime | None
    neighborhood: str
    kind: Any  # what happened, e.g. "新增发热"
    text: str  # counts and masked names only, never a personal value


_events: list[Callable[[int, dt.date], list[Event]]] = []


def register_events(provider: Callable[[int, dt.date], list[Event]]) -> None:
    if provider not in _events:
        _events.append(provider)


def events(subdistrict_id: int, day: dt.date) -> list[Event]:
    out: list[Event] = []
    for provider in _events:
        out.extend(provider(subdistrict_id, day))
    return sorted(out, key=lambda e: (e.at is None, e.at or dt.datetime.min.replace(tzinfo=dt.UTC)))

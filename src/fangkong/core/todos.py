"""Today's to-dos (今日待办): each app names the work waiting for a user, as counts with the list that makes them.

A provider is ``provider(user, today) -> list[Todo]``, registered by its app from ``AppConfig.ready()`` with
``register_todos`` (see ``pairing/todos.py``). Core never imports the apps: it learns of their to-dos here.

Rules for a provider:

- the count is the length of the list the URL opens, for the same user (same scope, same filter), so a
  click on the to-do shows exactly what it counted;
- it answers in a constant number of queries whatever the data (one ``count()`` per to-do);
- it answers ``[]`` for a user who may not open the list, and leaves out to-dos whose count is zero;
- labels are zh-hans first (gettext), as everywhere.

``figure_todo`` makes a to-do of a dashboard figure (``core.catalogue``): the count is the figure in the
user's scope and the URL its drill-down list, which the command app registers with ``register_figure_link``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fangkong.core import catalogue
from fangkong.core.choices import Role

DANGER = "danger"  # late: a deadline has passed (overdue check-ins, missed reports, fevers)
WARNING = "warning"  # due today or this week
INFO = "info"  # waiting for someone, no deadline yet

_SEVERITY_ORDER = {DANGER: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class Todo:
    key: str  # stable, e.g. "pairing.checkins_missed" (tests and templates use it as a data attribute)
    label: Any  # gettext_lazy, zh-hans first
    count: int
    url: str  # the list that makes the count, scoped to the user
    severity: str = WARNING
    group: str = ""  # the app's label, for the panel's grouping (core.navigation.GROUPS)


Provider = Callable[[Any, dt.date], list[Todo]]
_providers: list[tuple[int, Provider]] = []
_figure_link: list[tuple[Callable[[str, dt.date], str], Callable[[Any], bool]]] = []


def register_todos(provider: Provider, *, order: int = 100) -> None:
    if all(existing is not provider for _order, existing in _providers):
        _providers.append((order, provider))


def todos_for(user: Any, today: dt.date) -> list[Todo]:
    """Every to-do of ``user`` today with a count, the most urgent first (then in the apps' order)."""
    out: list[Todo] = []
    for _order, provider in sorted(_providers, key=lambda entry: entry[0]):
        out.extend(todo for todo in provider(user, today) if todo.count > 0)
    return sorted(out, key=lambda todo: _SEVERITY_ORDER.get(todo.severity, 9))


def register_figure_link(func: Callable[[str, dt.date], str], *, may_open: Callable[[Any], bool]) -> None:
    """The URL of a figure's drill-down list (``func(key, day)``) and who may open it; the command app
    registers them."""
    _figure_link[:] = [(func, may_open)]


def figure_count(user: Any, key: str, day: dt.date) -> int:
    """The catalogue figure ``key`` of ``day`` in ``user``'s scope: the count its drill-down lists (one query)."""
    found = catalogue.figure(key)
    if found is None:
        return 0
    family, fig = found
    if fig.sum_field or getattr(fig, "distinct_field", None):
        raise ValueError(f"{key} is not a count of records; a to-do counts the rows of its list")
    qs = family.records(family.model()._default_manager.visible_to(user), day)
    condition = fig.q(day)
    if condition is not None:
        qs = qs.filter(condition)
    return int(qs.count())


def figure_todo(
    user: Any, day: dt.date, key: str, *, severity: str = WARNING, label: Any = None
) -> list[Todo]:
    """A to-do of a counted dashboard figure, linked to its drill-down list ([] when zero or no list)."""
    found = catalogue.figure(key)
    if found is None or not _figure_link:
        return []
    link, may_open = _figure_link[0]
    if not may_open(user):
        return []
    family, fig = found
    count = figure_count(user, key, day)
    if not count:
        return []
    return [
        Todo(
            key=key,
            label=label or fig.label,
            count=count,
            url=link(key, day),
            severity=severity,
            group=family.capability,
        )
    ]


def todos_panel(request: Any) -> dict[str, Any] | None:
    """The home page's 今日待办 card: the user's to-dos, each a link to the list that makes it."""
    from django.utils import timezone

    from fangkong.core.navigation import GROUPS
    from fangkong.core.scope import is_organisation_contact

    user = request.user
    if getattr(user, "role", None) == Role.HQ or user.is_superuser:
        return None  # HQ's day is the dashboard, which counts all of these
    items = todos_for(user, timezone.localdate())
    if not items and (getattr(user, "is_read_only", True) or is_organisation_contact(user)):
        return None  # readers and organisation contacts have no to-do list; the others see "nothing today"
    return {
        "template": "core/_home_todos.html",
        "todos": [{"todo": t, "group": GROUPS.get(t.group, "")} for t in items],
    }

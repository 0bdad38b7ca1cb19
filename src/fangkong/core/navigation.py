"""The navigation menu per role. Domain apps add their entries with ``register_menu``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass
class MenuItem:
    label: Any
    url_name: str
    roles: tuple[str, ...] | None = None  # None: every signed-in role
    order: int = 100
    children: list[MenuItem] = field(default_factory=list)


_items: list[MenuItem] = []
_callbacks: list[Callable[[], list[MenuItem]]] = []


def register_menu(*items: MenuItem) -> None:
    for item in items:
        if all(existing.url_name != item.url_name for existing in _items):
            _items.append(item)


def menu_for(user: Any) -> list[dict[str, Any]]:
    if user is None or not user.is_authenticated:
        return []
    role = "superuser" if user.is_superuser else user.role
    out = []
    for item in sorted(_items, key=lambda i: i.order):
        if item.roles is not None and role not in item.roles and role != "superuser":
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        out.append({"label": item.label, "url": url, "name": item.url_name})
    return out


# Home-page panels: each domain app may add a panel for the roles it serves. A provider takes the request
# and returns None or {"title": ..., "template": "<app>/_home_panel.html", **context}.
_home_panels: list[Callable[[Any], dict[str, Any] | None]] = []


def register_home_panel(provider: Callable[[Any], dict[str, Any] | None]) -> None:
    if provider not in _home_panels:
        _home_panels.append(provider)


def home_panels(request: Any) -> list[dict[str, Any]]:
    panels = []
    for provider in _home_panels:
        panel = provider(request)
        if panel:
            panels.append(panel)
    return panels

"""The navigation menu per role. Domain apps add their entries with ``register_menu``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Menu entries are grouped by the namespace of their URL name; entries without one stand alone.
GROUPS: dict[str, Any] = {
    "registry": _("台账"),
    "pairing": _("三结三定"),
    "masks": _("口罩预约"),
    "returnees": _("返沪与隔离"),
    "care": _("民生保障"),
    "tickets": _("应急联动"),
    "inspections": _("楼宇园区排摸"),
    "command": _("指挥部"),
    "system": _("系统"),
}
_SYSTEM = {"io", "policies", "audit_log", "jobs", "inbox"}


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
    """The entries the user's role may use, in order: ``[{"label", "url", "name", "group"}]``."""
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
        namespace = item.url_name.split(":", 1)[0] if ":" in item.url_name else item.url_name
        group = "system" if namespace in _SYSTEM else namespace if namespace in GROUPS else ""
        out.append({"label": item.label, "url": url, "name": item.url_name, "group": group})
    return out


def grouped_menu(user: Any, path: str = "") -> list[dict[str, Any]]:
    """The menu as top-level entries and groups (``{"label", "items", "active"}``), in first-seen order."""
    top: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for entry in menu_for(user):
        entry["active"] = path == entry["url"] or (entry["url"] != "/" and path.startswith(entry["url"]))
        if not entry["group"]:
            top.append({"label": entry["label"], "url": entry["url"], "active": entry["active"], "items": []})
            continue
        group = groups.get(entry["group"])
        if group is None:
            group = {"label": GROUPS[entry["group"]], "url": "", "items": [], "active": False}
            groups[entry["group"]] = group
            top.append(group)
        group["items"].append(entry)
        group["active"] = group["active"] or entry["active"]
    return top


# Home-page panels: each app may add panels for the roles it serves (the registry adds the sub-district's
# figures and neighborhoods). A provider takes the request and returns None or {"template": "<app>/...html",
# **context}, with a "title" when the panel is a titled card (without one the template draws itself).
# Panels show in ``order``, then registration order.
_home_panels: list[tuple[int, Callable[[Any], dict[str, Any] | None]]] = []


def register_home_panel(provider: Callable[[Any], dict[str, Any] | None], *, order: int = 100) -> None:
    if all(existing is not provider for _order, existing in _home_panels):
        _home_panels.append((order, provider))


def home_panels(request: Any) -> list[dict[str, Any]]:
    panels = []
    for _order, provider in sorted(_home_panels, key=lambda entry: entry[0]):
        panel = provider(request)
        if panel:
            panels.append(panel)
    return panels

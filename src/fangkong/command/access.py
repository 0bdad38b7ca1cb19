"""Who may see the command app's pages: named predicates that the views, the menu and the home panel ask."""

from __future__ import annotations

from typing import Any

from fangkong.core.choices import Role

DASHBOARD_ROLES = {Role.HQ, Role.OFFICE, Role.STAFF, Role.AUDITOR, Role.DISTRICT_VIEWER}


def _role(user: Any) -> Any:
    return getattr(user, "role", None)


def dashboard_user(user: Any) -> bool:
    """The dashboard and its drill-down lists: HQ, offices (their domains' figures), committee staff (their
    neighborhoods), auditors and district viewers; the figures are always those of the reader's scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or _role(user) in DASHBOARD_ROLES)


def dashboard_is_home(user: Any) -> bool:
    """HQ's first screen is the dashboard."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or _role(user) == Role.HQ))


def flags(user: Any) -> dict[str, bool]:
    return {"may_see_dashboard": dashboard_user(user)}

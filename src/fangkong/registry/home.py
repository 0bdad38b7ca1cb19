"""The registry's panels on the home page: the figures of the user's scope (with an organisation contact's own
organisation) first, the neighborhoods after the other apps' panels."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from fangkong.core.choices import Role
from fangkong.core.navigation import register_home_panel
from fangkong.core.scope import neighborhoods_of
from fangkong.registry.models import Building, Household, Neighborhood, Organization, Resident


def _neighborhoods(user: Any) -> Any:
    return Neighborhood.objects.visible_to(user).annotate(n_buildings=Count("buildings", distinct=True))


def figures_panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    if user.role == Role.ORG_CONTACT and not user.is_superuser:
        return None  # a contact's home is their unit's card (the command app's), not the registry's counts
    return {
        "template": "registry/_home_figures.html",
        "counts": {
            "neighborhoods": _neighborhoods(user).count(),
            "buildings": Building.objects.visible_to(user).count(),
            "households": Household.objects.visible_to(user).count(),
            "residents": Resident.objects.visible_to(user).count(),
            "organizations": Organization.objects.visible_to(user).count(),
        },
        "organization": user.organization if user.role == Role.ORG_CONTACT else None,
    }


def neighborhoods_panel(request: Any) -> dict[str, Any] | None:
    neighborhoods = list(_neighborhoods(request.user).order_by("code")[:40])
    if not neighborhoods:
        return None
    return {
        "template": "registry/_home_neighborhoods.html",
        "neighborhoods": neighborhoods,
        "all_of_them": neighborhoods_of(request.user) is None,
    }


def register_home_panels() -> None:
    register_home_panel(figures_panel, order=0)
    register_home_panel(neighborhoods_panel, order=900)

"""The pairing app's defaults and lookups: a cadre's neighborhoods (the scope provider), a building's person
in charge (分楼包干) for other apps' alerts, and a sub-district's pairing settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fangkong.core import images
from fangkong.core.choices import Role
from fangkong.pairing.models import (
    BuildingAssignment,
    Pairing,
    PairingSettings,
)
from fangkong.registry.models import (
    Building,
)

DEFAULT_RESPONSIBILITIES = ["门岗值守", "入户排查", "楼组长", "巡查", "联络"]
DEFAULT_TASK_TEMPLATES = [("电梯消毒", 2), ("入户大门消毒", 1), ("楼梯扶手消毒", 1)]
MAX_PHOTO_SIDE = images.MAX_PHOTO_SIDE
MAX_ROSTER_DAYS = 62


# ------------------------------------------------------------------ scope provider and lookups


def cadre_neighborhood_ids(user: Any) -> list[int]:
    """The neighborhoods a cadre works in: those of their active pairings and of the buildings they lead."""
    if getattr(user, "role", None) != Role.CADRE or not getattr(user, "pk", None):
        return []
    ids = set(
        Pairing.objects.filter(cadre__user=user, active=True, neighborhood__isnull=False).values_list(
            "neighborhood_id", flat=True
        )
    )
    ids.update(BuildingAssignment.objects.filter(cadre__user=user).values_list("neighborhood_id", flat=True))
    return sorted(ids)


def responsible_user_for_building(building: Building) -> Any:
    """The account of the person in charge of ``building`` under 分楼包干, or None."""
    row = (
        BuildingAssignment.objects.filter(building_id=getattr(building, "pk", building))
        .select_related("cadre__user", "staff__user")
        .first()
    )
    if row is None:
        return None
    person = row.cadre or row.staff
    user = getattr(person, "user", None)
    if user is None or not user.is_active:
        return None
    return user


def responsible_users_for_buildings(building_ids: Iterable[int]) -> dict[int, Any]:
    """The accounts of the persons in charge of many buildings, in one query: ``{building_id: user}``."""
    out: dict[int, Any] = {}
    rows = BuildingAssignment.objects.filter(building_id__in=list(building_ids)).select_related(
        "cadre__user", "staff__user"
    )
    for row in rows.order_by("building_id", "id"):
        person = row.cadre or row.staff
        user = getattr(person, "user", None)
        if user is not None and user.is_active and row.building_id not in out:
            out[row.building_id] = user
    return out


def settings_for(subdistrict_id: int) -> PairingSettings:
    obj = PairingSettings.objects.filter(subdistrict_id=subdistrict_id).first()
    return obj or PairingSettings(subdistrict_id=subdistrict_id)

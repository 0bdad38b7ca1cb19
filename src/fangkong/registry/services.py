"""Every write to the registry. Views, API, CLI and imports call these."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fangkong.core import crypto
from fangkong.core import services as core_services
from fangkong.registry.models import (
    Building,
    Compound,
    Household,
    Organization,
    Resident,
)


def fill_scope_keys(obj: Any) -> None:
    """Derive the sub-district and neighborhood keys from the record's place, so they always agree."""
    if isinstance(obj, Resident) and obj.household_id:
        household = obj.household
        obj.neighborhood_id = household.neighborhood_id
        obj.subdistrict_id = household.subdistrict_id
        return
    if isinstance(obj, Household) and obj.building_id:
        building = obj.building
        obj.neighborhood_id = building.neighborhood_id
        obj.subdistrict_id = building.subdistrict_id
        if not obj.address:
            obj.address = f"{building.compound.name}{building.name}{obj.room}室"
        return
    if isinstance(obj, Building) and obj.compound_id:
        obj.neighborhood_id = obj.compound.neighborhood_id
        obj.subdistrict_id = obj.compound.subdistrict_id
        return
    if isinstance(obj, Compound) and obj.neighborhood_id:
        obj.subdistrict_id = obj.neighborhood.subdistrict_id
        return
    hood_id = getattr(obj, "neighborhood_id", None)
    if hood_id and hasattr(obj, "neighborhood"):
        obj.subdistrict_id = obj.neighborhood.subdistrict_id


def set_personal(obj: Any, values: dict[str, str]) -> None:
    """Seal personal values (already validated and normalised) into their three columns."""
    for name, value in values.items():
        kind = "phone" if name.endswith("phone") else name
        for column, sealed in crypto.personal_columns(name, value or "", kind=kind).items():
            setattr(obj, column, sealed)


@transaction.atomic
def save_record(
    *,
    actor: Any,
    obj: Any,
    personal: dict[str, str] | None = None,
    expected_version: int | None = None,
    note: str = "",
) -> Any:
    """Create or update one registry record (with its personal fields) in one audited transaction."""
    fill_scope_keys(obj)
    if personal:
        set_personal(obj, personal)
    if obj._state.adding:
        return core_services.create_object(actor=actor, obj=obj, note=note)
    return core_services.update_object(actor=actor, obj=obj, expected_version=expected_version, note=note)


@transaction.atomic
def delete_record(*, actor: Any, obj: Any) -> None:
    core_services.delete_object(actor=actor, obj=obj)


def create_household(*, actor: Any, building: Building, room: str, note: str = "") -> Household:
    return save_record(actor=actor, obj=Household(building=building, room=room, note=note))


def add_resident(
    *,
    actor: Any,
    household: Household,
    name: str,
    id_number: str,
    phone: str = "",
    doc_type: str = "resident_id",
    **fields: Any,
) -> Resident:
    resident = Resident(household=household, name=name, doc_type=doc_type, **fields)
    return save_record(actor=actor, obj=resident, personal={"id_number": id_number, "phone": phone})


def find_resident_by_id_number(id_number: str) -> Resident | None:
    return Resident.objects.filter(id_number_hash=crypto.lookup_hash("id_number", id_number)).first()


def create_organization(*, actor: Any, contact_phone: str = "", **fields: Any) -> Organization:
    return save_record(actor=actor, obj=Organization(**fields), personal={"contact_phone": contact_phone})

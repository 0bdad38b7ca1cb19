"""Every write to the registry. Views, API, CLI and imports call these."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fangkong.core import audit, crypto, personal
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.validators import validate_name
from fangkong.registry import access
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
    """Validate, normalise and seal personal values into their three columns (``core.personal``)."""
    personal.set_columns(obj, values)


ID_TAKEN = _("该证件号码已登记。")


def check_id_number(*, actor: Any, resident: Resident) -> bool:
    """One resident per ID number, without telling anyone about records outside their scope.

    An ID registered to a resident the actor can see is refused ("该证件号码已登记"). One registered only
    outside their scope gets the answer an unknown ID gets: the resident is saved, flagged ``id_duplicate``
    for HQ to resolve (a resident who moved in, or a mistake). Returns True when the resident is newly
    flagged."""
    digest = resident.id_number_hash
    others = Resident.objects.filter(id_number_hash=digest).exclude(pk=resident.pk) if digest else None
    if others is None or not others.exists():
        resident.id_duplicate = False
        return False
    if Resident.objects.visible_to(actor).filter(pk__in=others.values("pk")).exists():
        raise ValidationError({"id_number": ID_TAKEN})
    was = resident.id_duplicate
    resident.id_duplicate = others.filter(id_duplicate=False).exists()
    return resident.id_duplicate and not was


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
    flagged = isinstance(obj, Resident) and check_id_number(actor=actor, resident=obj)
    if obj._state.adding:
        saved = core_services.create_object(actor=actor, obj=obj, note=note)
    else:
        saved = core_services.update_object(
            actor=actor, obj=obj, expected_version=expected_version, note=note
        )
    if flagged:
        # For HQ only: no neighborhood, so the staff who entered it do not see it in their audit log.
        audit.record(
            actor=actor,
            action=AuditAction.ACTION,
            object_type="registry.resident",
            object_id=saved.pk,
            object_repr=str(saved)[:200],
            note=str(_("证件号码已在录入人权限范围外登记，待街道核实（迁入或误录）")),
            subdistrict_id=saved.subdistrict_id,
            neighborhood_id=None,
        )
    return saved


@transaction.atomic(durable=True)
def resolve_duplicate(*, actor: Any, resident: Resident) -> None:
    """HQ removes a resident flagged as a duplicate ID registration (the other registration stays)."""
    if not resident.id_duplicate:
        raise ValidationError(_("该居民没有待核的重复证件号码。"))
    if not access.may_resolve_duplicates(actor):
        raise ScopeError("duplicates")
    core_services.delete_object(actor=actor, obj=resident)


@transaction.atomic(durable=True)
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
    # the service checks its own input, so the API and every other caller refuse mangled names too
    resident = Resident(household=household, name=validate_name(name), doc_type=doc_type, **fields)
    return save_record(actor=actor, obj=resident, personal={"id_number": id_number, "phone": phone})


def find_resident_by_id_number(id_number: str) -> Resident | None:
    """The resident registered under this ID number (the one not flagged as a duplicate, if any)."""
    return (
        Resident.objects.filter(id_number_hash=crypto.lookup_hash("id_number", id_number))
        .order_by("id_duplicate", "pk")
        .first()
    )


def create_organization(*, actor: Any, contact_phone: str = "", **fields: Any) -> Organization:
    return save_record(actor=actor, obj=Organization(**fields), personal={"contact_phone": contact_phone})

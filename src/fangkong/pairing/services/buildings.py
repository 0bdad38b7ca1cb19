"""Building assignment (分楼包干): a cadre or committee staff member in charge of a building or compound."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.pairing.access import (
    check_scope,
    require_manager,
)
from fangkong.pairing.models import (
    BuildingAssignment,
    Team,
)
from fangkong.registry.models import (
    Building,
    CommitteeStaff,
    Compound,
    SupportCadre,
)

# ------------------------------------------------------------------ building assignment (分楼包干)


def _person_fields(cadre: SupportCadre | None, staff: CommitteeStaff | None) -> dict[str, Any]:
    if (cadre is None) == (staff is None):
        raise ValidationError(_("每栋楼须指定一名负责人（干部或社区工作者）。"))
    return {"cadre": cadre, "staff": staff}


@transaction.atomic(durable=True)
def assign_building(
    *,
    actor: Any,
    building: Building,
    cadre: SupportCadre | None = None,
    staff: CommitteeStaff | None = None,
    team: Team | None = None,
) -> BuildingAssignment:
    require_manager(actor)
    fields = _person_fields(cadre, staff)
    row = BuildingAssignment.objects.select_for_update().filter(building=building).first()
    if row is None:
        row = BuildingAssignment(
            building=building,
            subdistrict_id=building.subdistrict_id,
            neighborhood_id=building.neighborhood_id,
            team=team,
            **fields,
        )
        return core_services.create_object(actor=actor, obj=row)
    row.cadre, row.staff, row.team = fields["cadre"], fields["staff"], team
    return core_services.update_object(actor=actor, obj=row)


@transaction.atomic
def assign_compound(
    *,
    actor: Any,
    compound: Compound,
    cadre: SupportCadre | None = None,
    staff: CommitteeStaff | None = None,
    team: Team | None = None,
    only_unassigned: bool = False,
) -> int:
    """Assign every building of a compound to one person in bulk (one audit event)."""
    require_manager(actor)
    fields = _person_fields(cadre, staff)
    check_scope(
        actor,
        BuildingAssignment(subdistrict_id=compound.subdistrict_id, neighborhood_id=compound.neighborhood_id),
    )
    buildings = list(Building.objects.filter(compound=compound).values_list("pk", flat=True))
    existing = {
        a.building_id: a
        for a in BuildingAssignment.objects.select_for_update().filter(building_id__in=buildings)
    }
    new, changed = [], []
    for bid in buildings:
        row = existing.get(bid)
        if row is None:
            new.append(
                BuildingAssignment(
                    building_id=bid,
                    subdistrict_id=compound.subdistrict_id,
                    neighborhood_id=compound.neighborhood_id,
                    team=team,
                    **fields,
                )
            )
        elif not only_unassigned:
            row.cadre, row.staff, row.team = fields["cadre"], fields["staff"], team
            row.version += 1
            changed.append(row)
    BuildingAssignment.objects.bulk_create(new)
    BuildingAssignment.objects.bulk_update(changed, ["cadre", "staff", "team", "version", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=compound,
        changes={"person": str(cadre or staff), "created": len(new), "updated": len(changed)},
        note=_("按小区批量分楼包干"),
    )
    return len(new) + len(changed)


@transaction.atomic(durable=True)
def unassign_building(*, actor: Any, assignment: BuildingAssignment) -> None:
    require_manager(actor)
    core_services.delete_object(actor=actor, obj=assignment)

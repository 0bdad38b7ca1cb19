"""Fixed points (固定点位) and their requirements, the pairing settings, and pairing cadres to points."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.pairing.access import (
    require_hq,
    require_manager,
)
from fangkong.pairing.choices import (
    PairingSource,
    PointKind,
)
from fangkong.pairing.models import (
    Pairing,
    PairingSettings,
    Point,
    ResponsibilityType,
)
from fangkong.pairing.services.lookups import DEFAULT_RESPONSIBILITIES, settings_for
from fangkong.registry.models import (
    Household,
    Neighborhood,
    Organization,
    Premises,
    SubDistrict,
    SupportCadre,
)

# ------------------------------------------------------------------ points


@transaction.atomic
def ensure_points(*, actor: Any, subdistrict: SubDistrict) -> int:
    """Make every neighborhood of the sub-district a fixed point and refresh household counts."""
    if actor is not None:
        require_hq(actor)
    hoods = list(Neighborhood.objects.filter(subdistrict=subdistrict))
    counts = dict(
        Household.objects.filter(subdistrict=subdistrict)
        .values("neighborhood_id")
        .annotate(n=Count("id"))
        .values_list("neighborhood_id", "n")
    )
    existing = {
        p.neighborhood_id: p
        for p in Point.objects.filter(subdistrict=subdistrict, kind=PointKind.NEIGHBORHOOD)
    }
    new = []
    changed = []
    for hood in hoods:
        point = existing.get(hood.pk)
        if point is None:
            new.append(
                Point(
                    subdistrict=subdistrict,
                    kind=PointKind.NEIGHBORHOOD,
                    neighborhood=hood,
                    name=hood.name,
                    households=counts.get(hood.pk, 0),
                )
            )
        elif point.households != counts.get(hood.pk, 0) or point.name != hood.name:
            point.households = counts.get(hood.pk, 0)
            point.name = hood.name
            changed.append(point)
    Point.objects.bulk_create(new)
    Point.objects.bulk_update(changed, ["households", "name"])
    for name in DEFAULT_RESPONSIBILITIES:
        ResponsibilityType.objects.get_or_create(subdistrict=subdistrict, name=name)
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        object_type="pairing.point",
        object_repr=_("同步居民区定点"),
        changes={"created": len(new), "updated": len(changed)},
        subdistrict_id=subdistrict.pk,
    )
    return len(new)


@transaction.atomic
def add_unit_point(
    *,
    actor: Any,
    subdistrict: SubDistrict,
    premises: Premises | None = None,
    organization: Organization | None = None,
    required_count: int | None = None,
) -> Point:
    """List a unit (premises or organisation) as a fixed point; it is scoped to its neighborhood if any."""
    require_hq(actor)
    if (premises is None) == (organization is None):
        raise ValidationError(_("请选择一个楼宇园区或一个单位。"))
    target: Any = premises or organization
    if target.subdistrict_id != subdistrict.pk:
        raise PermissionDenied(_("超出您的管理范围。"))
    point = Point(
        subdistrict=subdistrict,
        kind=PointKind.PREMISES if premises else PointKind.ORGANIZATION,
        premises=premises,
        organization=organization,
        neighborhood_id=target.neighborhood_id,
        name=target.name,
        required_count=required_count,
    )
    return core_services.create_object(actor=actor, obj=point)


@transaction.atomic(durable=True)
def set_point_requirement(
    *,
    actor: Any,
    point: Point,
    required_count: int | None,
    active: bool = True,
    expected_version: int | None = None,
) -> Point:
    require_manager(actor)
    if required_count is not None and required_count < 0:
        raise ValidationError(_("需要人数不能为负数。"))
    point.required_count = required_count
    point.active = active
    return core_services.update_object(actor=actor, obj=point, expected_version=expected_version)


SETTINGS_FIELDS = (
    "max_points_per_cadre",
    "avoid_home_neighborhood",
    "households_per_cadre",
    "unit_required_default",
    "roster_cover_elsewhere",
    "affinity",
)
MAX_POINTS_PER_CADRE = 10
MAX_HOUSEHOLDS_PER_CADRE = 100_000
MAX_UNIT_REQUIRED = 50


def clean_affinity(table: Any) -> dict[str, dict[str, int]]:
    """A department kind → point kind → 0–3 table, checked; unknown kinds and bad values raise in Chinese."""
    from fangkong.pairing.optimiser import MAX_AFFINITY
    from fangkong.registry.choices import DepartmentKind

    if not isinstance(table, dict):
        raise ValidationError(_("条线与点位类型匹配表格式不正确。"))
    dept_labels = dict(DepartmentKind.choices)
    kind_labels = dict(PointKind.choices)
    out: dict[str, dict[str, int]] = {}
    for dept, row in table.items():
        if dept not in dept_labels:
            raise ValidationError(_("未知的条线部门类型「%(k)s」。") % {"k": dept})
        if not isinstance(row, dict):
            raise ValidationError(_("条线与点位类型匹配表格式不正确。"))
        out[dept] = {}
        for kind, value in row.items():
            if kind not in kind_labels:
                raise ValidationError(_("未知的点位类型「%(k)s」。") % {"k": kind})
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AFFINITY:
                raise ValidationError(
                    _("「%(d)s」对「%(k)s」的匹配分值应为 0–%(m)d 的整数。")
                    % {"d": dept_labels[dept], "k": kind_labels[kind], "m": MAX_AFFINITY}
                )
            out[dept][kind] = value
    return out


def _check_settings(values: dict[str, Any]) -> None:
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("未知的结对规则项：%(k)s。") % {"k": "、".join(sorted(unknown))})

    def whole(key: str, low: int, high: int, message: str) -> None:
        if key not in values:
            return
        value = values[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(message)

    whole(
        "max_points_per_cadre",
        1,
        MAX_POINTS_PER_CADRE,
        _("每名干部最多点位数应在 1–%(n)d 之间。") % {"n": MAX_POINTS_PER_CADRE},
    )
    whole(
        "households_per_cadre",
        0,
        MAX_HOUSEHOLDS_PER_CADRE,
        _("每名干部对应户数应在 0–%(n)d 之间（0 表示按户数比例分配全部干部）。")
        % {"n": MAX_HOUSEHOLDS_PER_CADRE},
    )
    whole(
        "unit_required_default",
        0,
        MAX_UNIT_REQUIRED,
        _("单位点位默认需要人数应在 0–%(n)d 之间。") % {"n": MAX_UNIT_REQUIRED},
    )
    if "avoid_home_neighborhood" in values and not isinstance(values["avoid_home_neighborhood"], bool):
        raise ValidationError(_("“不派往本人居住的居民区”应为是或否。"))
    if "roster_cover_elsewhere" in values and not isinstance(values["roster_cover_elsewhere"], bool):
        raise ValidationError(_("“值班可跨点位顶岗”应为是或否。"))
    if "affinity" in values:
        values["affinity"] = clean_affinity(values["affinity"])


@transaction.atomic(durable=True)
def save_settings(
    *, actor: Any, subdistrict: SubDistrict, expected_version: int | None = None, **values: Any
) -> PairingSettings:
    """Save the HQ's optimiser rules (audited). Bad values raise ValidationError in Chinese and change
    nothing; a stale ``expected_version`` raises ConflictError (no lost update)."""
    require_hq(actor)
    _check_settings(values)
    obj = PairingSettings.objects.filter(subdistrict=subdistrict).first()
    if obj is None:
        obj = PairingSettings(subdistrict=subdistrict, **values)
        return core_services.create_object(actor=actor, obj=obj, note=_("结对规则"))
    for key, value in values.items():
        setattr(obj, key, value)
    return core_services.update_object(
        actor=actor, obj=obj, expected_version=expected_version, note=_("结对规则")
    )


# ------------------------------------------------------------------ pairings


@transaction.atomic
def pair_cadre(
    *,
    actor: Any,
    cadre: SupportCadre,
    point: Point,
    responsibility: ResponsibilityType | None = None,
    responsibility_note: str = "",
    source: str = PairingSource.MANUAL,
    started_on: dt.date | None = None,
) -> Pairing:
    """Bind a cadre to a fixed point (条块结对定点) with a responsibility (联络结盟定责)."""
    require_manager(actor)
    if cadre.subdistrict_id != point.subdistrict_id:
        raise ValidationError(_("干部与点位不在同一街道。"))
    if not point.active:
        raise ValidationError(_("该点位已不在列。"))
    if Pairing.objects.filter(cadre=cadre, point=point, active=True).exists():
        raise ValidationError(_("%(c)s 已结对「%(p)s」。") % {"c": cadre.name, "p": point.name})
    settings = settings_for(point.subdistrict_id)
    n_active = Pairing.objects.filter(cadre=cadre, active=True).count()
    if n_active >= settings.max_points_per_cadre:
        raise ValidationError(
            _("%(c)s 已有 %(n)d 个点位，每人最多 %(m)d 个。")
            % {"c": cadre.name, "n": n_active, "m": settings.max_points_per_cadre}
        )
    pairing = Pairing(
        subdistrict_id=point.subdistrict_id,
        cadre=cadre,
        point=point,
        neighborhood_id=point.neighborhood_id,
        department_id=cadre.department_id,
        responsibility=responsibility,
        responsibility_note=responsibility_note,
        source=source,
        started_on=started_on or timezone.localdate(),
    )
    return core_services.create_object(actor=actor, obj=pairing)


@transaction.atomic
def update_pairing(
    *,
    actor: Any,
    pairing: Pairing,
    expected_version: int,
    responsibility: ResponsibilityType | None,
    responsibility_note: str,
) -> Pairing:
    """Change a pairing's responsibility; a stale ``expected_version`` raises ConflictError (no lost update)."""
    require_manager(actor)
    pairing.responsibility = responsibility
    pairing.responsibility_note = responsibility_note
    return core_services.update_object(actor=actor, obj=pairing, expected_version=expected_version)


@transaction.atomic
def end_pairing(
    *, actor: Any, pairing: Pairing, expected_version: int | None = None, on: dt.date | None = None
) -> Pairing:
    require_manager(actor)
    if not pairing.active:
        return pairing
    pairing.active = False
    pairing.ended_on = max(on or timezone.localdate(), pairing.started_on)
    return core_services.update_object(actor=actor, obj=pairing, expected_version=expected_version)

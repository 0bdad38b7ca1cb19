"""Audit events: who did what, when, to which record, in whose scope."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from fangkong.core.models import AuditEvent

_SKIP_FIELDS = {"updated_at", "created_at", "version"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def snapshot(obj: Any) -> dict[str, Any]:
    """Field values of a model instance as JSON-safe data; personal ciphertext and hashes are left out, and
    so are the fields a model names in ``audit_exclude``."""
    data: dict[str, Any] = {}
    skip = getattr(obj, "audit_exclude", ())
    for f in obj._meta.concrete_fields:
        if f.name in _SKIP_FIELDS or f.name in skip or f.name.endswith(("_enc", "_hash")):
            continue
        data[f.attname] = _plain(getattr(obj, f.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: Any = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    note: str = "",
    subdistrict_id: int | None = None,
    neighborhood_id: int | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:200]
        if subdistrict_id is None:
            subdistrict_id = getattr(obj, "subdistrict_id", None)
            if subdistrict_id is None and obj._meta.label_lower == "registry.subdistrict":
                subdistrict_id = obj.pk
        if neighborhood_id is None:
            neighborhood_id = getattr(obj, "scope_neighborhood_id", None) or getattr(
                obj, "neighborhood_id", None
            )
            if neighborhood_id is None and obj._meta.label_lower == "registry.neighborhood":
                neighborhood_id = obj.pk
    if subdistrict_id is None and actor is not None:
        subdistrict_id = getattr(actor, "subdistrict_id", None)
    real_actor = actor if getattr(actor, "pk", None) else None
    return AuditEvent.objects.create(
        actor=real_actor,
        actor_name=str(actor) if actor is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=object_repr[:200],
        changes=changes or {},
        note=note[:300],
        subdistrict_id=subdistrict_id,
        neighborhood_id=neighborhood_id,
    )

"""Audit events: who did what, when, to which record, in whose scope."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
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


def build(
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
    """The audit event ``record`` stores, unsaved: for a path that stores several in one insert
    (``record_many``)."""
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
    return AuditEvent(
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
    """Store one audit event."""
    event = build(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes,
        note=note,
        subdistrict_id=subdistrict_id,
        neighborhood_id=neighborhood_id,
    )
    event.save(force_insert=True)
    return event


def record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Store events made by ``build`` in one insert."""
    return AuditEvent.objects.bulk_create(events) if events else []


# ---------------------------------------------------------------------------- reading the log


_BLANK = "—"


def _model_of(label: str) -> Any:
    from django.apps import apps

    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def type_label(label: str) -> str:
    """The Chinese name of an object type: ``returnees.declaration`` -> 返沪申报 (the label when unknown)."""
    model = _model_of(label)
    return str(model._meta.verbose_name) if model is not None else label


def _field_of(model: Any, key: str) -> Any:
    if model is None:
        return None
    for f in model._meta.concrete_fields:
        if key in (f.attname, f.name):
            return f
    return None


def _show(field: Any, value: Any) -> str:
    """A stored value as a reader sees it: choices by their label, yes/no, blanks as a dash. Personal
    values are only ever stored masked (snapshot leaves ciphertext and hashes out)."""
    from django.utils.translation import gettext as _

    if value is None or value == "" or value == []:
        return _BLANK
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation:
        return f"#{value}"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False)[:120]
    return str(value)


@dataclass
class Change:
    label: str
    before: str | None  # None: a value set (creation or an action's detail), not a change
    after: str


@dataclass
class EventView:
    """What the audit log shows for one event: the object by its kind and name, and the changes by field
    name, before → after."""

    event: Any
    object_label: str
    changes: list[Change]


def describe(event: Any) -> EventView:
    model = _model_of(event.object_type)
    kind = str(model._meta.verbose_name) if model is not None else event.object_type
    name = event.object_repr or (f"#{event.object_id}" if event.object_id else "")
    hood = getattr(event, "neighborhood", None)
    label = f"{kind} {name}".strip()
    if hood is not None and str(hood) not in label:
        label += f"（{hood}）"
    changes: list[Change] = []
    data = event.changes if isinstance(event.changes, dict) else {}
    is_diff = bool(data) and all(isinstance(v, list) and len(v) == 2 for v in data.values())
    for key, value in data.items():
        field = _field_of(model, key)
        title = str(field.verbose_name) if field is not None else key
        if is_diff:
            changes.append(Change(title, _show(field, value[0]), _show(field, value[1])))
        elif value not in (None, "", [], {}):  # a creation lists the values it set
            changes.append(Change(title, None, _show(field, value)))
    return EventView(event=event, object_label=label, changes=changes)

"""Personal data past its purpose: purge rules, and the map of every model's personal columns.

A personal value lives in three columns, ``<name>_enc``, ``<name>_hash`` and ``<name>_masked`` (see
core.crypto). ``personal_fields(model)`` finds them on any model; ``fangkong rotate-keys`` uses it to
re-encrypt everything and ``fangkong purge-personal-data`` to blank what a rule selects.

A purge rule names a model, the personal fields it blanks and a function ``before -> queryset`` that selects
the rows whose purpose ended before that date. The registry's rules are built in (see ``_registry_rules``);
a domain app adds its own from its ``AppConfig.ready()``::

    from fangkong.core.purge import PurgeRule, register_purge_rule

    register_purge_rule(PurgeRule(
        key="returnees.declaration",
        label=_("隔离结束的返沪申报"),
        model="returnees.Declaration",
        select=lambda before: Declaration.objects.filter(isolation_end__lt=before),
    ))

``fields`` defaults to every personal field of the model. Purging keeps the row (and its counts in
reports) and blanks only the personal columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction


def personal_fields(model: type[models.Model]) -> list[str]:
    """The personal field names of ``model``, sorted: the fields declared with ``personal_fields(...)``."""
    from fangkong.core.personal import kinds_of

    return sorted(kinds_of(model))


def personal_models() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete installed model with personal columns, and its personal field names."""
    found = []
    for model in apps.get_models():
        if model._meta.abstract or model._meta.proxy:
            continue
        fields = personal_fields(model)
        if fields:
            found.append((model, fields))
    return found


@dataclass(frozen=True)
class PurgeRule:
    key: str
    label: Any
    model: str  # "app_label.ModelName"
    select: Callable[[dt.date], models.QuerySet[Any]]
    fields: tuple[str, ...] = ()

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def field_names(self) -> list[str]:
        return list(self.fields) or personal_fields(self.model_class())

    def queryset(self, before: dt.date) -> models.QuerySet[Any]:
        """Rows selected by the rule that still hold personal data."""
        holds = Q()
        for name in self.field_names():
            holds |= ~Q(**{f"{name}_enc": ""}) | ~Q(**{f"{name}_hash": ""})
        return self.select(before).filter(holds)

    def blank_values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for name in self.field_names():
            values.update({f"{name}_enc": "", f"{name}_hash": "", f"{name}_masked": ""})
        return values


_rules: dict[str, PurgeRule] = {}


def register_purge_rule(rule: PurgeRule) -> None:
    _rules[rule.key] = rule


def _registry_rules() -> list[PurgeRule]:
    """Registry records whose purpose ended: volunteers and support cadres marked inactive before the date.

    Residents have no end-of-purpose marker in the registry (they are the population being served); the
    domain apps register rules for the records whose purpose ends (isolation over, round closed …).
    """

    def inactive(label: str) -> Callable[[dt.date], models.QuerySet[Any]]:
        def select(before: dt.date) -> models.QuerySet[Any]:
            model = apps.get_model(label)
            return model._default_manager.filter(active=False, updated_at__date__lt=before)

        return select

    return [
        PurgeRule(
            key="registry.volunteer.inactive",
            label=_("已退出的志愿者"),
            model="registry.Volunteer",
            select=inactive("registry.Volunteer"),
        ),
        PurgeRule(
            key="registry.supportcadre.inactive",
            label=_("已离岗的下沉干部"),
            model="registry.SupportCadre",
            select=inactive("registry.SupportCadre"),
        ),
    ]


def rules() -> list[PurgeRule]:
    builtin = {rule.key: rule for rule in _registry_rules()}
    return list({**builtin, **_rules}.values())


@dataclass(frozen=True)
class PurgeCount:
    rule: PurgeRule
    rows: int


def _in_subdistrict(qs: models.QuerySet[Any], subdistrict_id: int | None) -> models.QuerySet[Any]:
    if subdistrict_id is None:
        return qs
    if any(f.attname == "subdistrict_id" for f in qs.model._meta.concrete_fields):
        return qs.filter(subdistrict_id=subdistrict_id)
    return qs.none()


def plan(before: dt.date, *, subdistrict_id: int | None = None) -> list[PurgeCount]:
    """How many rows each rule would blank (nothing is changed); one sub-district's when it is given."""
    return [
        PurgeCount(rule, _in_subdistrict(rule.queryset(before), subdistrict_id).count()) for rule in rules()
    ]


@transaction.atomic
def purge_personal_data(
    *, actor: Any, before: dt.date, subdistrict_id: int | None = None
) -> list[PurgeCount]:
    """Blank the personal columns each rule selects, with one audit event per rule that changed rows."""
    done: list[PurgeCount] = []
    for rule in rules():
        qs = _in_subdistrict(rule.queryset(before), subdistrict_id)
        model = rule.model_class()
        by_sub: dict[Any, int] = {}
        if any(f.attname == "subdistrict_id" for f in model._meta.concrete_fields):
            for row in qs.values("subdistrict_id").annotate(n=models.Count("pk")).order_by():
                by_sub[row["subdistrict_id"]] = row["n"]
        count = model._default_manager.filter(pk__in=qs.values("pk")).update(**rule.blank_values())
        done.append(PurgeCount(rule, count))
        if not count:
            continue
        for sub_id, n in sorted(by_sub.items(), key=lambda kv: (kv[0] is None, kv[0])) or [(None, count)]:
            audit.record(
                actor=actor,
                action=AuditAction.DELETE,
                object_type=model._meta.label_lower,
                object_repr=str(rule.label),
                changes={
                    "rule": rule.key,
                    "before": before.isoformat(),
                    "rows": n,
                    "fields": rule.field_names(),
                },
                note="清除已过使用目的的个人信息",
                subdistrict_id=sub_id,
            )
    return done

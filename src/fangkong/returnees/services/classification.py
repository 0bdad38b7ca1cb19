"""The risk rules in force, classifying a declaration by them, and saving a rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fangkong.core.policies import get_policy
from fangkong.returnees.models import (
    Declaration,
    RiskRule,
)
from fangkong.returnees.rules import Classification, Facts, RuleSpec, classify, default_rules
from fangkong.returnees.services.times import fever_line

# ---------------------------------------------------------------- classification


def rules_in_force(subdistrict_id: int, on: dt.date) -> list[RuleSpec]:
    rows = RiskRule.objects.filter(subdistrict_id=subdistrict_id, effective_from__lte=on).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gte=on)
    )
    specs = [
        RuleSpec(r.kind, r.level, r.action, r.days, tuple(r.prefixes), r.priority, r.name, r.pk) for r in rows
    ]
    if specs:
        return specs
    return default_rules(int(get_policy(subdistrict_id, "key_area_days", on=on)))


def classify_declaration(decl: Declaration, *, on: dt.date | None = None) -> Classification:
    on = on or timezone.localdate()
    facts = Facts(
        origin_code=decl.origin_code,
        arrival_date=decl.arrival_date,
        key_area=decl.key_area,
        exposure=decl.exposure,
        symptoms=decl.symptoms,
        temperature=float(decl.temperature) if decl.temperature is not None else None,
    )
    return classify(
        facts,
        rules_in_force(decl.subdistrict_id, on),
        on=on,
        fever_line=float(fever_line(decl.subdistrict_id, on)),
    )


def _apply(decl: Declaration, result: Classification) -> None:
    decl.risk_level = result.level
    decl.risk_action = result.action
    decl.risk_rule_id = result.rule_id
    decl.risk_rule_label = result.label[:120]


@transaction.atomic(durable=True)
def save_risk_rule(*, actor: Any, rule: RiskRule) -> RiskRule:
    from fangkong.core import services as core_services

    if rule._state.adding:
        return core_services.create_object(actor=actor, obj=rule)
    return core_services.update_object(actor=actor, obj=rule)

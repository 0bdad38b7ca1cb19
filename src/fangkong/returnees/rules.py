"""Risk classification: a pure function over a declaration's facts and the rules in force (hypothesis-tested)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.returnees.choices import RiskAction, RiskLevel, RuleKind


@dataclass(frozen=True)
class Facts:
    origin_code: str
    arrival_date: dt.date
    key_area: bool = False
    exposure: bool = False
    symptoms: bool = False
    temperature: float | None = None


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    level: str
    action: str
    days: int = 14
    prefixes: tuple[str, ...] = ()
    priority: int = 10
    name: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Classification:
    level: str
    action: str
    rule_id: int | None
    label: str


def default_rules(days: int) -> list[RuleSpec]:
    """The rules used when the HQ has configured none for the period."""
    return [
        RuleSpec(RuleKind.SYMPTOMS, RiskLevel.RED, RiskAction.REFERRAL, days, (), 1, _("有症状或发热：转诊")),
        RuleSpec(
            RuleKind.KEY_AREA,
            RiskLevel.YELLOW,
            RiskAction.HOME_ISOLATION,
            days,
            ("42",),
            2,
            _("重点地区抵沪未满%(n)d天：居家隔离") % {"n": days},
        ),
        RuleSpec(
            RuleKind.EXPOSURE,
            RiskLevel.YELLOW,
            RiskAction.HOME_ISOLATION,
            days,
            (),
            3,
            _("有接触史抵沪未满%(n)d天：居家隔离") % {"n": days},
        ),
    ]


def matches(rule: RuleSpec, facts: Facts, *, on: dt.date, fever_line: float) -> bool:
    days_since = (on - facts.arrival_date).days
    if rule.kind == RuleKind.SYMPTOMS:
        return facts.symptoms or (facts.temperature is not None and facts.temperature >= fever_line)
    if rule.kind == RuleKind.KEY_AREA:
        in_area = facts.key_area or any(facts.origin_code.startswith(p) for p in rule.prefixes)
        return in_area and days_since < rule.days
    if rule.kind == RuleKind.EXPOSURE:
        return facts.exposure and days_since < rule.days
    return False


def classify(facts: Facts, rules: Iterable[RuleSpec], *, on: dt.date, fever_line: float) -> Classification:
    """The first rule (by priority, then id) that matches; green when none does."""
    ordered: Sequence[RuleSpec] = sorted(rules, key=lambda r: (r.priority, r.id or 0))
    for rule in ordered:
        if matches(rule, facts, on=on, fever_line=fever_line):
            return Classification(rule.level, rule.action, rule.id, rule.name or str(rule.kind))
    return Classification(RiskLevel.GREEN, RiskAction.NONE, None, _("未命中风险规则"))

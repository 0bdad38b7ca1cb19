import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.returnees import regions, services
from fangkong.returnees.choices import IsolationStatus, RiskAction, RiskLevel, RuleKind
from fangkong.returnees.models import Isolation, RiskRule
from fangkong.returnees.rules import Facts, RuleSpec, classify, default_rules

TODAY = dt.date(2020, 2, 15)

facts_strategy = st.builds(
    Facts,
    origin_code=st.sampled_from(["420100", "420000", "310101", "440300", "110000"]),
    arrival_date=st.dates(min_value=dt.date(2020, 1, 1), max_value=TODAY),
    key_area=st.booleans(),
    exposure=st.booleans(),
    symptoms=st.booleans(),
    temperature=st.one_of(st.none(), st.floats(min_value=34.0, max_value=42.0).map(lambda t: round(t, 1))),
)


@settings(max_examples=60)
@given(facts=facts_strategy, days=st.integers(min_value=1, max_value=28), line=st.sampled_from([37.3, 37.5]))
def test_default_rules_follow_the_policy(facts, days, line):
    result = classify(facts, default_rules(days), on=TODAY, fever_line=line)
    since = (TODAY - facts.arrival_date).days
    fever = facts.temperature is not None and facts.temperature >= line
    key = facts.key_area or facts.origin_code.startswith("42")
    if facts.symptoms or fever:
        assert (result.level, result.action) == (RiskLevel.RED, RiskAction.REFERRAL)
    elif (key or facts.exposure) and since < days:
        assert (result.level, result.action) == (RiskLevel.YELLOW, RiskAction.HOME_ISOLATION)
    else:
        assert (result.level, result.action, result.rule_id) == (RiskLevel.GREEN, RiskAction.NONE, None)


@settings(max_examples=40)
@given(facts=facts_strategy)
def test_first_matching_rule_by_priority_wins(facts):
    rules = [
        RuleSpec(RuleKind.KEY_AREA, RiskLevel.RED, RiskAction.HOME_ISOLATION, 30, ("42",), 5, "红", id=2),
        RuleSpec(RuleKind.KEY_AREA, RiskLevel.YELLOW, RiskAction.HOME_ISOLATION, 30, ("42",), 1, "黄", id=1),
    ]
    result = classify(facts, rules, on=TODAY, fever_line=37.3)
    if result.rule_id is not None:
        assert result.rule_id == 1 and result.label == "黄"


def test_region_table_is_derived_from_stdnum():
    wuhan = regions.lookup("420100")
    assert wuhan.full_name == "湖北省武汉市"
    assert regions.lookup("420000").name == "湖北省"
    assert regions.lookup("310101").name == "黄浦区"  # municipalities list their districts
    with pytest.raises(ValidationError, match="不存在"):
        regions.lookup("999999")
    names = {p.name for p, _c in regions.provinces()}
    assert {"湖北省", "上海市", "广东省"} <= names


@pytest.mark.django_db
def test_configured_rules_replace_the_defaults_in_their_period(world, make_input):
    RiskRule.objects.create(
        subdistrict=world.sub,
        name="广东重点：红",
        kind=RuleKind.KEY_AREA,
        level=RiskLevel.RED,
        action=RiskAction.HOME_ISOLATION,
        days=14,
        region_prefixes="44",
        effective_from=dt.date(2020, 1, 1),
    )
    from_gd = services.declare_return(actor=world.staff_a, data=make_input(origin_code="440300"))
    assert from_gd.declaration.risk_level == RiskLevel.RED
    assert from_gd.declaration.risk_rule_label == "广东重点：红"
    assert from_gd.declaration.risk_rule_id is not None
    # Hubei is no longer a key area under the configured rules.
    from_hb = services.declare_return(actor=world.staff_a, data=make_input(origin_code="420100"))
    assert from_hb.declaration.risk_level == RiskLevel.GREEN
    assert from_hb.isolation is None


@pytest.mark.django_db
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(extensions=st.lists(st.integers(min_value=-20, max_value=20), min_size=1, max_size=6))
def test_isolation_is_extended_never_shortened(isolated, world, extensions):
    iso = Isolation.objects.get(pk=isolated.isolation.pk)
    Isolation.objects.filter(pk=iso.pk).update(end_date=iso.planned_end_date)  # examples share the row
    assert (iso.planned_end_date - iso.start_date).days == 14
    for delta in extensions:
        current = Isolation.objects.get(pk=iso.pk).end_date
        target = current + dt.timedelta(days=delta)
        if delta < 0:
            with pytest.raises(ValidationError, match="不能缩短"):
                services.extend_isolation(actor=world.staff_a, isolation=iso, new_end_date=target)
            assert Isolation.objects.get(pk=iso.pk).end_date == current
        else:
            services.extend_isolation(actor=world.staff_a, isolation=iso, new_end_date=target)
            assert Isolation.objects.get(pk=iso.pk).end_date == target
    final = Isolation.objects.get(pk=iso.pk)
    assert final.end_date >= final.planned_end_date


@pytest.mark.django_db
def test_database_refuses_a_shortened_end(isolated):
    from django.db import IntegrityError, transaction

    iso = isolated.isolation
    with pytest.raises(IntegrityError), transaction.atomic():
        Isolation.objects.filter(pk=iso.pk).update(end_date=iso.planned_end_date - dt.timedelta(days=1))


@pytest.mark.django_db
def test_isolation_days_come_from_the_policy(world, make_input):
    from fangkong.core.models import Policy

    Policy.objects.create(
        subdistrict=world.sub, key="isolation_days", value=21, effective_from=dt.date(2020, 1, 1)
    )
    result = services.declare_return(actor=world.staff_a, data=make_input())
    iso = result.isolation
    assert (iso.end_date - iso.start_date).days == 21


@pytest.mark.django_db
def test_release_needs_signoff_and_the_end_date(isolated, world):
    from fangkong.returnees.tests.conftest import at

    iso = isolated.isolation
    with pytest.raises(ValidationError, match="不能提前解除"):
        services.release_isolation(actor=world.staff_a, isolation=iso, signoff_role="committee")
    after_end = at(iso.end_date, 9)
    with pytest.raises(ValidationError, match="签字"):
        services.release_isolation(actor=world.staff_a, isolation=iso, signoff_role="", now=after_end)
    with pytest.raises(Exception):  # noqa: B017 - staff of another neighborhood
        services.release_isolation(
            actor=world.staff_b, isolation=iso, signoff_role="committee", now=after_end
        )
    services.release_isolation(
        actor=world.staff_a, isolation=iso, signoff_role="health_centre", note="复查正常", now=after_end
    )
    iso.refresh_from_db()
    assert iso.status == IsolationStatus.RELEASED
    assert iso.released_by == world.staff_a and iso.signoff_role == "health_centre"
    from fangkong.core.models import AuditEvent

    assert AuditEvent.objects.filter(object_type="returnees.isolation", note="解除隔离签字").exists()

"""Staff pages for the risk classification rules: HQ and the returnees office list, add and edit them."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEvent
from fangkong.returnees import services
from fangkong.returnees.models import RiskRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(world):
    return RiskRule.objects.create(
        subdistrict=world.sub,
        name="湖北来沪",
        kind="key_area",
        level="yellow",
        action="home_isolation",
        days=14,
        region_prefixes="42",
        priority=5,
        effective_from=timezone.localdate() - dt.timedelta(days=10),
    )


def _post(**overrides):
    today = timezone.localdate()
    data = {
        "name": "浙江温州来沪",
        "kind": "key_area",
        "level": "yellow",
        "action": "home_isolation",
        "days": "14",
        "region_prefixes": "3303",
        "priority": "3",
        "effective_from": today.isoformat(),
        "effective_until": "",
    }
    data.update(overrides)
    return data


def _urls(rule):
    return [
        reverse("returnees:rule_list"),
        reverse("returnees:rule_new"),
        reverse("returnees:rule_edit", args=[rule.pk]),
    ]


@pytest.mark.parametrize("persona", ["hq"])
def test_hq_may_use_the_rule_pages(as_persona, rule, persona):
    client = as_persona(persona)
    for url in _urls(rule):
        assert client.get(url).status_code == 200
    assert rule.name in client.get(reverse("returnees:rule_list")).content.decode()


def test_returnees_office_may_use_the_rule_pages(world, rule, returnees_office):
    client = Client()
    client.force_login(returnees_office)
    for url in _urls(rule):
        assert client.get(url).status_code == 200
    response = client.post(reverse("returnees:rule_new"), _post())
    assert response.status_code == 302
    assert RiskRule.objects.filter(name="浙江温州来沪", subdistrict=world.sub).exists()


@pytest.mark.parametrize(
    "persona", ["staff_a", "staff_b", "cadre", "org_contact", "office", "viewer", "auditor"]
)
def test_other_personas_get_404(as_persona, world, rule, persona):
    from fangkong.project.testing import client_for

    client = client_for(persona, world)
    for url in _urls(rule):
        assert client.get(url).status_code == 404
    assert client.post(reverse("returnees:rule_new"), _post()).status_code == 404
    assert client.post(reverse("returnees:rule_edit", args=[rule.pk]), _post()).status_code == 404
    assert RiskRule.objects.count() == 1


def test_anonymous_is_sent_to_login(as_persona, rule):
    client = as_persona("anonymous")
    for url in _urls(rule):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_add_rule_through_the_service_and_it_classifies(world, as_persona, make_input):
    client = as_persona("hq")
    before = AuditEvent.objects.filter(object_type="returnees.riskrule", action="create").count()
    response = client.post(reverse("returnees:rule_new"), _post(region_prefixes="3303, 33"))
    assert response.status_code == 302
    rule = RiskRule.objects.get(name="浙江温州来沪")
    assert rule.subdistrict_id == world.sub.pk and rule.region_prefixes == "3303,33"
    assert AuditEvent.objects.filter(object_type="returnees.riskrule", action="create").count() == before + 1
    # The configured rule is now the one in force: a Wenzhou returnee is isolated, a Wuhan one is not.
    wz = services.declare_return(actor=world.staff_a, data=make_input(origin_code="330300"))
    assert wz.declaration.risk_rule_id == rule.pk and wz.isolation is not None
    wh = services.declare_return(
        actor=world.staff_a, data=make_input(origin_code="420100", transport_number="D1")
    )
    assert wh.declaration.risk_level == "green"
    listing = client.get(reverse("returnees:rule_list")).content.decode()
    assert "浙江温州来沪" in listing and "今日生效" in listing


def test_edit_rule_period_and_priority(world, as_persona, rule):
    client = as_persona("hq")
    until = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("returnees:rule_edit", args=[rule.pk]),
        _post(
            name=rule.name,
            region_prefixes="42",
            priority="7",
            effective_from=rule.effective_from.isoformat(),
            effective_until=until,
            version=rule.version,
        ),
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.priority == 7 and rule.effective_until.isoformat() == until and rule.version == 2
    event = AuditEvent.objects.filter(object_type="returnees.riskrule", action="update").get()
    assert "priority" in event.changes and "effective_until" in event.changes
    # Ended yesterday: no longer in force, the defaults apply and the page says so.
    assert services.rules_in_force(world.sub.pk, timezone.localdate())[0].id is None
    assert "今日使用的默认规则" in client.get(reverse("returnees:rule_list")).content.decode()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"effective_until": "2000-01-01"}, "失效日期不能早于生效日期"),
        ({"region_prefixes": "42,湖北"}, "地区代码前缀"),
        ({"level": "purple"}, "purple"),
        ({"name": ""}, "errorlist"),
    ],
)
def test_bad_rule_input_changes_nothing(as_persona, rule, overrides, message):
    client = as_persona("hq")
    response = client.post(reverse("returnees:rule_new"), _post(**overrides))
    assert response.status_code == 200 and message in response.content.decode()
    edit = client.post(
        reverse("returnees:rule_edit", args=[rule.pk]), _post(**overrides, version=rule.version)
    )
    assert edit.status_code == 200
    assert RiskRule.objects.count() == 1
    rule.refresh_from_db()
    assert rule.name == "湖北来沪" and rule.version == 1


def test_stale_edit_is_refused(as_persona, rule):
    client = as_persona("hq")
    url = reverse("returnees:rule_edit", args=[rule.pk])
    first = client.post(url, _post(name="改名一", region_prefixes="42", version=rule.version))
    assert first.status_code == 302
    stale = client.post(url, _post(name="改名二", region_prefixes="42", version=rule.version))
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    rule.refresh_from_db()
    assert rule.name == "改名一"


def test_rule_of_another_subdistrict_is_404(world, as_persona):
    other = RiskRule.objects.create(
        subdistrict=world.other_sub,
        name="外街道规则",
        kind="symptoms",
        level="red",
        action="referral",
        effective_from=timezone.localdate(),
    )
    assert as_persona("hq").get(reverse("returnees:rule_edit", args=[other.pk])).status_code == 404
    assert "外街道规则" not in as_persona("hq").get(reverse("returnees:rule_list")).content.decode()


def test_other_subdistrict_hq_sees_only_its_own_rules(world, as_persona, rule):
    client = as_persona("other_hq")
    assert rule.name not in client.get(reverse("returnees:rule_list")).content.decode()
    assert client.get(reverse("returnees:rule_edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("returnees:rule_edit", args=[rule.pk]), _post()).status_code == 404
    assert client.post(reverse("returnees:rule_new"), _post(name="广中规则")).status_code == 302
    assert RiskRule.objects.get(name="广中规则").subdistrict_id == world.other_sub.pk
    rule.refresh_from_db()
    assert rule.name == "湖北来沪"

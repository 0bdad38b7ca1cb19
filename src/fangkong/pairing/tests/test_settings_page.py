"""The HQ page for the optimiser rules: personas, validation messages in Chinese, audit, no lost update."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core.models import AuditEvent
from fangkong.pairing import services
from fangkong.pairing.choices import PointKind
from fangkong.pairing.models import PairingSettings
from fangkong.registry.choices import DepartmentKind

pytestmark = pytest.mark.django_db

URL = "pairing:optimiser_settings"


def _post_data(**over):
    data = {
        "max_points_per_cadre": 2,
        "avoid_home_neighborhood": "on",
        "households_per_cadre": 300,
        "unit_required_default": 2,
    }
    for dept in DepartmentKind.values:
        for kind in PointKind.values:
            data[f"aff__{dept}__{kind}"] = 1
    data["aff__market_regulation__premises"] = 3
    data["aff__education__premises"] = 0
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_personas(pw, as_persona):
    url = reverse(URL)
    assert as_persona("hq").get(url).status_code == 200
    for persona in ("staff_a", "staff_b", "cadre", "org_contact"):
        assert as_persona(persona).get(url).status_code == 404, persona
        assert as_persona(persona).post(url, _post_data()).status_code == 404, persona
    anon = as_persona("anonymous").get(url)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]
    assert not PairingSettings.objects.exists()


def test_page_shows_defaults_and_saves_audited(pw, as_persona):
    client = as_persona("hq")
    html = client.get(reverse(URL)).content.decode()
    assert "条线与点位类型匹配" in html and "市场监管" in html and "楼宇园区" in html
    resp = client.post(reverse(URL), _post_data())
    assert resp.status_code == 302
    obj = PairingSettings.objects.get(subdistrict=pw.w.sub)
    assert obj.max_points_per_cadre == 2 and obj.households_per_cadre == 300
    assert obj.unit_required_default == 2 and obj.avoid_home_neighborhood is True
    assert obj.affinity["market_regulation"]["premises"] == 3
    assert obj.affinity["education"]["premises"] == 0
    assert AuditEvent.objects.filter(object_type="pairing.pairingsettings", actor=pw.w.hq).exists()
    # unticking the rule turns it off; the optimiser input follows
    data = _post_data(avoid_home_neighborhood=None, version=obj.version)
    assert client.post(reverse(URL), data).status_code == 302
    assert PairingSettings.objects.get(pk=obj.pk).avoid_home_neighborhood is False
    _cadres, _points, rules = services.optimiser_input(pw.w.sub.pk)
    assert rules.avoid_home_neighborhood is False and rules.max_points_per_cadre == 2
    assert rules.affinity_of("market_regulation", "premises") == 3


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"max_points_per_cadre": 0}, "每名干部最多点位数应为 1–10 的整数。"),
        ({"max_points_per_cadre": "abc"}, "每名干部最多点位数应为 1–10 的整数。"),
        ({"households_per_cadre": -5}, "每名干部对应户数应为 0–100000 的整数"),
        ({"unit_required_default": 99}, "单位点位默认需要人数应为 0–50 的整数。"),
        ({"aff__health__premises": 7}, "「卫生健康」对「楼宇园区」的匹配分值应为 0–3。"),
    ],
)
def test_bad_input_explained_and_nothing_saved(pw, as_persona, over, message):
    resp = as_persona("hq").post(reverse(URL), _post_data(**over))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert message in html and "规则未保存" in html
    assert not PairingSettings.objects.exists()


def test_stale_version_is_refused(pw, as_persona):
    services.save_settings(actor=pw.w.hq, subdistrict=pw.w.sub, max_points_per_cadre=1)
    obj = PairingSettings.objects.get()
    services.save_settings(
        actor=pw.w.hq, subdistrict=pw.w.sub, expected_version=obj.version, max_points_per_cadre=3
    )
    resp = as_persona("hq").post(reverse(URL), _post_data(version=obj.version), follow=True)
    assert "已被他人修改" in resp.content.decode()
    assert PairingSettings.objects.get().max_points_per_cadre == 3


def test_service_refuses_non_hq(pw):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.save_settings(actor=pw.w.staff_a, subdistrict=pw.w.sub, max_points_per_cadre=2)


@settings(max_examples=40, deadline=None)
@given(
    value=st.one_of(st.integers(-5, 20), st.booleans(), st.text(max_size=3)),
    dept=st.sampled_from([*DepartmentKind.values, "unknown_dept"]),
    kind=st.sampled_from([*PointKind.values, "street"]),
)
def test_affinity_validation(value, dept, kind):
    table = {dept: {kind: value}}
    valid = (
        dept in DepartmentKind.values
        and kind in PointKind.values
        and isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= 3
    )
    if valid:
        assert services.clean_affinity(table) == table
    else:
        with pytest.raises(ValidationError) as exc:
            services.clean_affinity(table)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.messages[0])

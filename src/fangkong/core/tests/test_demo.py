"""The demo sub-district generator: its shape, valid synthetic data, no plaintext, determinism, app hooks."""

from __future__ import annotations

import io
import json
import re
import types

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from fangkong.core import crypto, personal
from fangkong.core.choices import Role
from fangkong.core.models import AuditEvent, User
from fangkong.core.purge import personal_models
from fangkong.core.scope import scope_for
from fangkong.core.validators import check_resident_id, validate_credit_code, validate_mobile
from fangkong.project import demo
from fangkong.registry import demo as registry_demo
from fangkong.registry.models import (
    Building,
    CommitteeStaff,
    Compound,
    District,
    Household,
    LineDepartment,
    Neighborhood,
    Office,
    Organization,
    PartyBranch,
    PatrolZone,
    Premises,
    Resident,
    SubDistrict,
    SupportCadre,
    Volunteer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return demo.build_demo(scale="tiny", seed=7, run_apps=False)


def test_tiny_scale_keeps_the_full_shape_with_fewer_households(tiny):
    shape = registry_demo.SHAPES["tiny"]
    sub = tiny.subdistricts[0]
    assert District.objects.count() == 1
    assert SubDistrict.objects.count() == 1
    assert Neighborhood.objects.filter(subdistrict=sub).count() == 34
    assert Compound.objects.count() == 150
    assert Building.objects.count() == shape.households  # one building per household at this size
    assert Household.objects.count() == shape.households
    assert Resident.objects.count() == shape.residents
    assert SupportCadre.objects.count() == 100
    assert PartyBranch.objects.count() == 25
    assert Premises.objects.count() == 22
    assert Organization.objects.count() == shape.organizations
    assert Volunteer.objects.count() == shape.volunteers
    assert CommitteeStaff.objects.count() == 34 * shape.staff_per_neighborhood
    assert sorted(PatrolZone.objects.values_list("name", flat=True)) == ["万安路以北", "万安路以南"]
    assert {"社区党建办", "社区发展办"} <= set(Office.objects.values_list("name", flat=True))
    names = set(Neighborhood.objects.values_list("name", flat=True))
    assert {"安汾居民区", "新南二居民区"} <= names
    # every neighborhood has compounds, buildings and households
    for hood in Neighborhood.objects.all():
        assert hood.compounds.exists() and hood.buildings.exists() and hood.households.exists()
    # every household has residents, and exactly one head
    assert not Household.objects.filter(residents__isnull=True).exists()
    assert Resident.objects.filter(relation="head").count() == shape.households
    assert tiny.counts["registry.Resident"] == shape.residents


def test_named_units_departments_and_temporary_branch(tiny):
    temporary = PartyBranch.objects.get(is_temporary=True)
    assert "临时支部" in temporary.name
    assert SupportCadre.objects.filter(party_branch=temporary).count() == 100
    departments = set(LineDepartment.objects.values_list("name", flat=True))
    assert {"区教育局", "区市场监管局", "江湾城管中队", "区卫健委"} <= departments
    assert SupportCadre.objects.filter(department__name="区教育局").count() == 34
    kinds = dict(Organization.objects.values_list("name", "kind"))
    assert kinds["上海银康老年公寓"] == "elderly_home"
    assert kinds["市北燃气公司"] == "partner_unit"
    assert kinds["上海粤海大酒店"] == "hotel"
    assert kinds["上海银建出租汽车有限公司"] == "enterprise"
    assert {"new_social", "enterprise", "shop"} <= set(kinds.values())
    premises = set(Premises.objects.values_list("name", flat=True))
    assert {"中图蓝桥", "联合数字", "1876老站创意园区", "元和投资大厦"} <= premises
    assert {"office_tower", "business_park", "street_shops"} <= set(
        Premises.objects.values_list("kind", flat=True)
    )


def test_credit_codes_are_valid_and_unique(tiny):
    codes = list(Organization.objects.values_list("credit_code", flat=True))
    assert len(codes) == len(set(codes))
    for code in codes:
        assert validate_credit_code(code) == code


def test_credit_code_check_character_is_checked():
    import random

    code = registry_demo.credit_code(random.Random(1), "91", "310109", set())
    assert validate_credit_code(code) == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationError):
        validate_credit_code(wrong)


def test_personal_values_are_valid_sealed_and_consistent(tiny):
    ring = crypto.keyring()
    residents = list(
        Resident.objects.values_list(
            "id_number_enc", "id_number_hash", "id_number_masked", "birth_date", "gender", "phone_enc"
        )
    )
    seen = set()
    for enc, digest, masked, birth, gender, phone_enc in residents:
        value = crypto.decrypt(enc, ring=ring)
        check = check_resident_id(value)
        assert check.birth_date == birth
        assert check.gender == gender
        assert digest == crypto.lookup_hash("id_number", value)
        assert masked == personal.mask("id_number", value)
        assert value not in seen
        seen.add(value)
        if phone_enc:
            assert validate_mobile(crypto.decrypt(phone_enc, ring=ring))
    for model in (SupportCadre, Volunteer, CommitteeStaff):
        phones = [crypto.decrypt(t) for t in model.objects.values_list("phone_enc", flat=True)]
        assert all(validate_mobile(p) for p in phones)
        assert len(phones) == len(set(phones))


def _plaintexts() -> set[str]:
    values: set[str] = set()
    for model, fields in personal_models():
        for name in fields:
            for token in model._base_manager.exclude(**{f"{name}_enc": ""}).values_list(
                f"{name}_enc", flat=True
            ):
                values.add(crypto.decrypt(token))
    return values


def _digit_windows(text: str) -> set[str]:
    found: set[str] = set()
    for run in re.findall(r"[0-9X]{11,}", text):
        for size in (11, 18):
            found.update(run[i : i + size] for i in range(len(run) - size + 1))
    return found


def assert_no_plaintext_in_database() -> None:
    plain = _plaintexts()
    assert len(plain) > 100
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for cell in row:
                    if cell is None or isinstance(cell, int | float | bool):
                        continue
                    text = cell if isinstance(cell, str) else json.dumps(cell, default=str)
                    leaked = _digit_windows(text) & plain
                    if leaked:
                        hits.append((table, sorted(leaked)[:3]))
    assert not hits, hits


def test_no_plaintext_id_or_phone_anywhere_in_the_database(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    demo.build_demo(scale="tiny", seed=11)  # with the domain apps' demo data as well
    assert_no_plaintext_in_database()


def test_the_plaintext_check_can_fail(tiny):
    resident = Resident.objects.first()
    value = crypto.decrypt(resident.id_number_enc)
    Resident.objects.filter(pk=resident.pk).update(note=f"证件 {value}")
    with pytest.raises(AssertionError):
        assert_no_plaintext_in_database()


def _people_snapshot() -> list[tuple]:
    return sorted(
        (r.household.address, r.name, r.birth_date.isoformat(), r.id_number_hash)
        for r in Resident.objects.select_related("household")
    )


def test_same_seed_same_people_other_seed_other_people(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    runs = []
    for seed in (5, 5, 6):
        with transaction.atomic():
            demo.build_demo(scale="tiny", seed=seed, households=120, residents=300, run_apps=False)
            runs.append(_people_snapshot())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert len(runs[0]) == 300


def test_demo_accounts_one_per_role_with_scopes(tiny):
    assert {r[1] for r in tiny.accounts} == {a.username for a in demo.DEMO_ACCOUNTS}
    assert {u.role for u in User.objects.all()} == set(Role.values)
    anfen = User.objects.get(username="anfen")
    assert list(anfen.neighborhoods.values_list("name", flat=True)) == ["安汾居民区"]
    assert anfen.may_reveal_personal_data and anfen.staff_profile.neighborhood.name == "安汾居民区"
    second = User.objects.get(username="xinnaner")
    assert list(second.neighborhoods.values_list("name", flat=True)) == ["新南二居民区"]
    cadre = User.objects.get(username="xiachen")
    assert cadre.role == Role.CADRE and cadre.cadre is not None
    assert list(cadre.neighborhoods.values_list("name", flat=True)) == ["安汾居民区"]
    contact = User.objects.get(username="yinkang")
    assert contact.organization.name == "上海银康老年公寓"
    assert User.objects.get(username="zhihuibu").may_reveal_personal_data
    assert not User.objects.get(username="quji").may_reveal_personal_data
    office = User.objects.get(username="fazhanban")
    assert office.domains == ["registry"]
    assert scope_for(User.objects.get(username="quji")).read_only
    # staff of 安汾 see its households only
    visible = Household.objects.visible_to(anfen)
    assert visible.exists() and set(visible.values_list("neighborhood__name", flat=True)) == {"安汾居民区"}
    for user in User.objects.all():
        assert user.check_password(demo.DEMO_PASSWORD)


def test_generation_is_audited_once(tiny):
    events = AuditEvent.objects.filter(note="生成演示街道")
    assert events.count() == 1
    assert events.get().changes["counts"]["registry.Resident"] == registry_demo.SHAPES["tiny"].residents


def test_seed_demo_refuses_to_build_twice(tiny):
    with pytest.raises(CommandError):
        call_command("seed_demo", scale="tiny", no_apps=True, stdout=io.StringIO())


def test_seed_demo_command_prints_counts_and_accounts(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", scale="tiny", households=50, residents=120, no_apps=True, stdout=out)
    text = out.getvalue()
    assert "registry.Resident" in text and "120" in text
    assert "角色" in text and "用户名" in text and "zhihuibu" in text and demo.DEMO_PASSWORD in text
    assert Resident.objects.count() == 120


def test_app_demo_hooks_are_called_and_errors_roll_back(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    calls = []
    fake = types.ModuleType("fangkong.masks.demo")

    def seed(subdistrict, *, rng, scale):
        calls.append((subdistrict.name, scale, rng.random()))

    fake.seed = seed  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "fangkong.masks.demo", fake)
    monkeypatch.setattr(demo, "DEMO_APPS", ("masks", "no_such_app"))  # only the fake: keeps the test quick
    result = demo.build_demo(scale="tiny", households=40, residents=80)
    assert calls and calls[0][:2] == ("江湾镇街道", "tiny")
    assert "masks" in result.app_seconds

    def broken(subdistrict, *, rng, scale):
        raise RuntimeError("boom")

    fake.seed = broken  # type: ignore[attr-defined]
    SubDistrict.objects.all().update(name="旧街道")
    before = Resident.objects.count()
    with pytest.raises(RuntimeError, match="boom"):
        demo.build_demo(scale="tiny", households=40, residents=80)
    assert Resident.objects.count() == before  # the failed generation left nothing behind


def test_unknown_scale_is_refused():
    with pytest.raises(ValueError):
        registry_demo.shape_for("city")


def test_format_accounts_aligns_columns():
    table = demo.format_accounts([("指挥部", "zhihuibu", "pw"), ("区级查看", "quji", "pw")])
    lines = table.splitlines()
    assert lines[0].split() == ["角色", "用户名", "密码"]
    assert len(lines) == 4

    def display_width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    starts = {
        display_width(line[: line.index(name)])
        for line, name in zip(lines[2:], ("zhihuibu", "quji"), strict=True)
    }
    assert len(starts) == 1

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from fangkong.care import materials
from fangkong.care.models import MaterialCount
from fangkong.core.exceptions import ScopeError


@pytest.mark.django_db
def test_counts_per_place_and_kind(world, as_persona):
    from fangkong.registry.models import PartyBranch

    branch = PartyBranch.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, name="新南二党支部")
    rec = materials.record_materials(
        actor=world.staff_a,
        subdistrict_id=world.sub.pk,
        kind="letter",
        branch=branch,
        handed_out=60,
        posted=4,
        by_name="两新党员",
    )
    assert rec.neighborhood == world.hood_a  # from the branch
    materials.record_materials(
        actor=world.staff_a,
        subdistrict_id=world.sub.pk,
        kind="health_form",
        neighborhood=world.hood_a,
        handed_out=40,
        returned=30,
    )
    with pytest.raises(ValidationError):
        materials.record_materials(
            actor=world.staff_a,
            subdistrict_id=world.sub.pk,
            kind="health_form",
            neighborhood=world.hood_a,
            handed_out=4,
            returned=5,
        )
    with pytest.raises(ScopeError):
        materials.record_materials(
            actor=world.staff_b,
            subdistrict_id=world.sub.pk,
            kind="guide",
            neighborhood=world.hood_a,
            handed_out=4,
        )
    data = materials.summary(MaterialCount.objects.all())
    assert {r["kind"]: r["out"] for r in data["by_kind"]} == {"letter": 60, "health_form": 40}
    assert data["by_branch"][0]["branch__name"] == "新南二党支部"
    body = as_persona("staff_a").get(reverse("care:materials")).content.decode()
    assert "《给居民朋友的一封信》" in body and "新南二党支部" in body
    assert "新南二党支部" not in as_persona("staff_b").get(reverse("care:materials")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_returnees_health_form_counts_move_into_the_materials_counter():
    """Migrate forward with health-form counts present: each becomes a materials row of that kind."""
    before = [("care", "0003_materials"), ("returnees", "0005_visit_suspension_until")]
    after = [("care", "0004_fold_health_forms"), ("returnees", "0006_health_forms_to_care")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    District = old.get_model("registry", "District")
    SubDistrict = old.get_model("registry", "SubDistrict")
    Neighborhood = old.get_model("registry", "Neighborhood")
    Organization = old.get_model("registry", "Organization")
    Venue = old.get_model("returnees", "Venue")
    HealthFormCount = old.get_model("returnees", "HealthFormCount")
    sub = SubDistrict.objects.create(district=District.objects.create(name="虹口区"), name="江湾镇街道")
    hood = Neighborhood.objects.create(subdistrict=sub, name="安汾居民区")
    org = Organization.objects.create(subdistrict=sub, neighborhood=hood, name="上海银康老年公寓")
    venue = Venue.objects.create(
        subdistrict=sub, neighborhood=hood, organization=org, name=org.name, kind="elderly_home", code="V1"
    )
    day = dt.date(2020, 2, 5)
    HealthFormCount.objects.create(subdistrict=sub, neighborhood=hood, day=day, handed_out=40, returned=30)
    HealthFormCount.objects.create(
        subdistrict=sub, neighborhood=hood, venue=venue, day=day, handed_out=12, returned=12
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    rows = list(
        new.get_model("care", "MaterialCount")
        .objects.order_by("handed_out")
        .values("kind", "neighborhood_id", "organization_id", "day", "handed_out", "returned")
    )
    assert rows == [
        {
            "kind": "health_form",
            "neighborhood_id": hood.pk,
            "organization_id": org.pk,
            "day": day,
            "handed_out": 12,
            "returned": 12,
        },
        {
            "kind": "health_form",
            "neighborhood_id": hood.pk,
            "organization_id": None,
            "day": day,
            "handed_out": 40,
            "returned": 30,
        },
    ]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

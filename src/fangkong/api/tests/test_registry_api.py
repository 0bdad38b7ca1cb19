import pytest

from fangkong.core import crypto
from fangkong.core.testing import make_id_number

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "persona,status",
    [
        ("hq", 200),
        ("staff_a", 200),
        ("staff_b", 404),
        ("cadre", 200),
        ("org_contact", 404),
        ("anonymous", 401),
    ],
)
def test_household_detail_personas(world, as_persona, persona, status):
    response = as_persona(persona).get(f"/api/v1/registry/households/{world.household_a.pk}")
    assert response.status_code == status


def test_lists_are_scoped(world, as_persona):
    data = as_persona("staff_b").get("/api/v1/registry/households").json()
    assert [row["id"] for row in data["items"]] == [world.household_b.pk]


def test_residents_come_back_masked(world, as_persona):
    plain = crypto.decrypt(world.resident_a.id_number_enc)
    response = as_persona("staff_a").get(f"/api/v1/registry/households/{world.household_a.pk}/residents")
    assert response.status_code == 200
    assert plain not in response.content.decode()
    assert response.json()[0]["id_number_masked"] == world.resident_a.id_number_masked


def test_add_household_and_resident(world, as_persona):
    client = as_persona("staff_a")
    response = client.post(
        "/api/v1/registry/households",
        {"building": world.building_a.pk, "room": "702"},
        content_type="application/json",
    )
    assert response.status_code == 201
    hid = response.json()["id"]
    body = {"name": "王五", "id_number": make_id_number(), "phone": "13912345678"}
    response = client.post(
        f"/api/v1/registry/households/{hid}/residents", body, content_type="application/json"
    )
    assert response.status_code == 201
    again = client.post(f"/api/v1/registry/households/{hid}/residents", body, content_type="application/json")
    assert again.status_code == 422
    assert "已登记" in again.json()["detail"]


def test_bad_input_is_422_and_changes_nothing(world, as_persona):
    from fangkong.registry.models import Resident

    before = Resident.objects.count()
    response = as_persona("staff_a").post(
        f"/api/v1/registry/households/{world.household_a.pk}/residents",
        {"name": "坏", "id_number": "123", "phone": "12"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert Resident.objects.count() == before


@pytest.mark.parametrize("name", ["王\x00五", "王\u202e五", "王\u200b五", "王" * 51])
def test_a_mangled_name_is_refused_by_the_api(world, as_persona, name):
    from fangkong.registry.models import Resident

    before = Resident.objects.count()
    response = as_persona("staff_a").post(
        f"/api/v1/registry/households/{world.household_a.pk}/residents",
        {"name": name, "id_number": make_id_number(), "phone": "13912345678", "relation": "child"},
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert "姓名" in response.json()["detail"]
    assert Resident.objects.count() == before


def test_staff_b_cannot_post_into_a(world, as_persona):
    response = as_persona("staff_b").post(
        "/api/v1/registry/households",
        {"building": world.building_a.pk, "room": "1"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_bearer_token(world, client):
    from fangkong.api.auth import hash_token
    from fangkong.core.models import ApiToken

    ApiToken.objects.create(user=world.staff_a, name="mobile", key_hash=hash_token("tok-123"), prefix="tok-")
    ok = client.get("/api/v1/registry/households", HTTP_AUTHORIZATION="Bearer tok-123")
    assert ok.status_code == 200
    assert client.get("/api/v1/registry/households", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/registry/households" in response.json()["paths"]

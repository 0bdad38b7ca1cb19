"""The public declaration form's address cascade: neighborhood › compound › building, loaded by htmx from
public partial endpoints that reveal place names only."""

import pytest
from django.urls import reverse

from fangkong.registry.models import Building, Compound
from fangkong.returnees.models import Declaration

pytestmark = pytest.mark.django_db


def _declare_url(world):
    return reverse("returnees:public_declare", args=[world.sub.pk])


def test_form_lists_neighborhoods_not_buildings(world, client):
    extra = Compound.objects.create(subdistrict=world.sub, neighborhood=world.hood_b, name="新南小区二期")
    Building.objects.create(subdistrict=world.sub, neighborhood=world.hood_b, compound=extra, name="88号")
    page = client.get(_declare_url(world)).content.decode()
    assert world.hood_a.name in page and world.hood_b.name in page
    assert world.hood_other.name not in page
    # No compound or building is on the page before a neighborhood is picked.
    assert "88号" not in page and "新南小区二期" not in page
    compounds_url = reverse("returnees:public_compounds", args=[world.sub.pk])
    assert f'hx-get="{compounds_url}"' in page


def test_compound_options_for_a_neighborhood(world, client):
    url = reverse("returnees:public_compounds", args=[world.sub.pk])
    body = client.get(url, {"neighborhood": world.hood_a.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert f'<option value="{world.compound_a.pk}">{world.compound_a.name}</option>' in body
    assert world.compound_b.name not in body and "<html" not in body
    # The building list is reset out of band.
    assert 'id="id_building" hx-swap-oob="innerHTML"' in body
    # Nothing for a neighborhood of another sub-district, nor for junk.
    assert (
        world.compound_c.name not in client.get(url, {"neighborhood": world.hood_other.pk}).content.decode()
    )
    assert client.get(url, {"neighborhood": "x"}).content.decode().count("<option") == 2
    assert client.get(reverse("returnees:public_compounds", args=[99999])).status_code == 404


def test_building_options_for_a_compound(world, client):
    url = reverse("returnees:public_buildings", args=[world.sub.pk])
    body = client.get(
        url, {"neighborhood": world.hood_a.pk, "compound": world.compound_a.pk}
    ).content.decode()
    assert f'<option value="{world.building_a.pk}">{world.building_a.name}</option>' in body
    assert body.count("<option") == 2
    # A compound of neighborhood B asked for under neighborhood A: no buildings.
    mixed = client.get(
        url, {"neighborhood": world.hood_a.pk, "compound": world.compound_b.pk}
    ).content.decode()
    assert mixed.count("<option") == 1
    other = client.get(url, {"neighborhood": world.hood_other.pk, "compound": world.compound_c.pk})
    assert other.status_code == 200 and other.content.decode().count("<option") == 1


def test_endpoints_reveal_only_place_names(world, client, isolated):
    url_c = reverse("returnees:public_compounds", args=[world.sub.pk])
    url_b = reverse("returnees:public_buildings", args=[world.sub.pk])
    bodies = (
        client.get(url_c, {"neighborhood": world.hood_a.pk}).content.decode()
        + client.get(
            url_b, {"neighborhood": world.hood_a.pk, "compound": world.compound_a.pk}
        ).content.decode()
    )
    for secret in (isolated.declaration.name, world.resident_a.name, "502", world.household_a.address):
        assert secret not in bodies


def _post(world, make_input, **overrides):
    data = make_input()
    post = {
        "name": "孙八",
        "doc_type": "resident_id",
        "id_number": data.id_number,
        "phone": data.phone,
        "neighborhood": world.hood_a.pk,
        "compound": world.compound_a.pk,
        "building": world.building_a.pk,
        "room": "301",
        "origin_code": "420100",
        "transport": "rail",
        "transport_number": "G1",
        "departure_date": data.departure_date.isoformat(),
        "arrival_date": data.arrival_date.isoformat(),
        "submission_id": "cascade-1",
    }
    post.update(overrides)
    return post


def test_building_outside_the_picked_neighborhood_is_refused(world, client, make_input):
    url = _declare_url(world)
    # Neighborhood and compound of A, building of B.
    bad = client.post(url, _post(world, make_input, building=world.building_b.pk)).content.decode()
    assert "所选楼栋不在所选小区内" in bad and not Declaration.objects.exists()
    # Neighborhood A, compound of B.
    bad2 = client.post(
        url, _post(world, make_input, compound=world.compound_b.pk, building=world.building_b.pk)
    ).content.decode()
    assert "所选小区不在所选居民区内" in bad2 and not Declaration.objects.exists()
    # A building of another sub-district.
    bad3 = client.post(
        url,
        _post(
            world,
            make_input,
            neighborhood=world.hood_other.pk,
            compound=world.compound_c.pk,
            building=world.building_c.pk,
        ),
    ).content.decode()
    assert "errorlist" in bad3 and not Declaration.objects.exists()
    # After an error the picked lists are shown again, filled for the picked neighborhood and compound.
    assert f'<option value="{world.compound_a.pk}" selected>' in bad
    good = client.post(url, _post(world, make_input)).content.decode()
    assert "/returnees/p/r/" in good
    decl = Declaration.objects.get()
    assert decl.building_id == world.building_a.pk and decl.neighborhood_id == world.hood_a.pk

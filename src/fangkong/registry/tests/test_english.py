"""English pages: a record's own page names it in the singular, lists in the plural, and yes/no are words."""

from __future__ import annotations

from django.urls import reverse


def _en(client):
    client.cookies["django_language"] = "en"
    return client


def test_singular_on_a_record_plural_on_lists(world, as_persona):
    client = _en(as_persona("hq"))
    detail = client.get(reverse("registry:households_detail", args=[world.household_a.pk])).content.decode()
    assert '<span class="badge">Household</span>' in detail
    assert "Residents" in detail  # the related list
    listing = client.get(reverse("registry:households_list")).content.decode()
    assert "<h1" in listing and "Households</h1>" in listing
    resident = client.get(reverse("registry:residents_detail", args=[world.resident_a.pk])).content.decode()
    assert "<dt>Household</dt>" in resident and "Households" not in resident.split("<main", 1)[-1]


def test_yes_no_filters_are_words(world, as_persona):
    body = _en(as_persona("hq")).get(reverse("registry:residents_list")).content.decode()
    assert ">Yes</option>" in body and ">No</option>" in body and ">是<" not in body

import pytest

from fangkong.core.testing import PERSONAS
from fangkong.registry.models import Household, Neighborhood, Organization, Resident

pytestmark = pytest.mark.django_db


def test_hq_sees_whole_subdistrict_only(world):
    names = set(Neighborhood.objects.visible_to(world.hq).values_list("name", flat=True))
    assert names == {world.hood_a.name, world.hood_b.name}


def test_staff_see_their_own_neighborhood(world):
    assert list(Household.objects.visible_to(world.staff_a)) == [world.household_a]
    assert list(Household.objects.visible_to(world.staff_b)) == [world.household_b]
    assert not Resident.objects.visible_to(world.staff_a).filter(pk=world.resident_b.pk).exists()


def test_org_contact_sees_only_own_organization(world):
    assert list(Organization.objects.visible_to(world.org_contact)) == [world.org_a]
    assert not Household.objects.visible_to(world.org_contact).exists()


def test_district_viewer_reads_but_cannot_edit(world):
    assert Household.objects.visible_to(world.viewer).count() == 3
    assert not Household.objects.editable_by(world.viewer).exists()


def test_office_needs_the_domain(world):
    assert Household.objects.visible_to(world.office).count() == 2
    world.office.domains = ["masks"]
    world.office.save()
    world.office._fangkong_scope = None
    del world.office._fangkong_scope
    assert not Household.objects.visible_to(world.office).exists()


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Household.objects.visible_to(AnonymousUser()).exists()


def test_personas_are_the_documented_cast():
    assert PERSONAS == ("hq", "staff_a", "staff_b", "cadre", "org_contact", "anonymous")

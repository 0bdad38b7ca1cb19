import pytest

from fangkong.core.choices import Role
from fangkong.core.models import User
from fangkong.project.testing import PERSONAS, client_for
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


def test_each_persona_signs_in_as_its_documented_role(world):
    roles = {
        "hq": Role.HQ,
        "staff_a": Role.STAFF,
        "staff_b": Role.STAFF,
        "cadre": Role.CADRE,
        "org_contact": Role.ORG_CONTACT,
    }
    assert set(PERSONAS) == {*roles, "anonymous"}
    for persona in PERSONAS:
        session = client_for(persona, world).session
        if persona == "anonymous":
            assert "_auth_user_id" not in session
            continue
        user = User.objects.get(pk=session["_auth_user_id"])
        assert (user.username, user.role, user.subdistrict_id) == (persona, roles[persona], world.sub.pk)
    assert set(world.staff_a.neighborhoods.all()) == {world.hood_a}
    assert set(world.staff_b.neighborhoods.all()) == {world.hood_b}
    assert world.org_contact.organization == world.org_a

"""The named scope predicates agree with each other and with the managers' door.

``check_write_scope`` (services), ``may_write_row`` (the apps' access modules) and ``editable_by`` (querysets)
are three askers of one rule; these tests hold them to the same answers for every persona and record, and
hold ``Scope.write_refusal`` to the rule as written for any scope (hypothesis).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core import scope as core_scope
from fangkong.core.scope import Scope
from fangkong.core.services import may_write
from fangkong.registry.models import Building, Household, Neighborhood, Organization, Resident

PERSONAS = ("hq", "staff_a", "staff_b", "cadre", "org_contact", "office", "viewer", "auditor", "other_hq")

ids = st.sampled_from([1, 2, 3, None])
id_sets = st.frozensets(st.sampled_from([1, 2, 3]), max_size=3)
scopes = st.builds(
    Scope,
    everything=st.booleans(),
    subdistrict_ids=id_sets,
    neighborhood_ids=st.none() | id_sets,
    organization_ids=st.none() | id_sets,
    domains=st.none() | st.frozensets(st.sampled_from(["registry", "masks", "returnees"]), max_size=2),
    read_only=st.booleans(),
)


def spec(scope: Scope, domain: str, sub: int | None, hood: int | None) -> bool:
    """The rule as docs/permissions.md states it."""
    if scope.everything:
        return True
    in_domain = scope.domains is None or domain in scope.domains
    if scope.read_only or sub not in scope.subdistrict_ids or not in_domain:
        return False
    if scope.organization_ids is not None:  # organisation contacts write only their organisation's rows
        return False
    if scope.neighborhood_ids is None:  # sub-district-wide writers
        return True
    return hood is not None and hood in scope.neighborhood_ids


@given(scope=scopes, domain=st.sampled_from(["registry", "masks"]), sub=ids, hood=ids)
def test_write_refusal_is_the_rule(scope, domain, sub, hood):
    refusal = scope.write_refusal(domain, sub, hood)
    assert (refusal == "") == spec(scope, domain, sub, hood)
    assert refusal in {"", "read-only", "domain", "subdistrict", "organization", "neighborhood"}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_services_querysets_and_row_predicate_agree(world, persona):
    user = getattr(world, persona)
    for model in (Neighborhood, Building, Household, Resident, Organization):
        editable = set(model.objects.editable_by(user).values_list("pk", flat=True))
        for obj in model.objects.all():
            assert may_write(user, obj) == (obj.pk in editable), (persona, model.__name__, obj.pk)
    for household in Household.objects.all():
        row = core_scope.may_write_row(
            user,
            domain="registry",
            subdistrict_id=household.subdistrict_id,
            neighborhood_id=household.neighborhood_id,
        )
        if core_scope.is_organisation_contact(user):
            assert not row
        else:
            assert row == may_write(user, household), (persona, household.pk)


@pytest.mark.django_db
def test_domain_predicates_by_persona(world):
    expected = {
        # persona: (reaches, staff_in, manages, works) for the registry domain
        "hq": (True, True, True, True),
        "staff_a": (True, True, False, True),
        "cadre": (True, True, False, True),
        "org_contact": (True, False, False, False),
        "office": (True, True, True, True),
        "viewer": (True, True, False, False),
        "auditor": (True, True, False, False),
    }
    for persona, answers in expected.items():
        user = getattr(world, persona)
        got = (
            core_scope.reaches_domain(user, "registry"),
            core_scope.staff_in_domain(user, "registry"),
            core_scope.manages_domain(user, "registry"),
            core_scope.works_in_domain(user, "registry"),
        )
        assert got == answers, persona
    # the office was given the registry domain only
    assert not core_scope.staff_in_domain(world.office, "masks")
    assert not core_scope.manages_domain(world.office, "masks")
    assert core_scope.reaches_domain(world.org_contact, "masks")  # organisation contacts: their own rows
    # a sub-district named: only its own
    assert core_scope.manages_domain(world.hq, "registry", world.sub.pk)
    assert not core_scope.manages_domain(world.hq, "registry", world.other_sub.pk)
    anonymous = AnonymousUser()
    assert not any(
        f(anonymous, "registry")
        for f in (
            core_scope.reaches_domain,
            core_scope.staff_in_domain,
            core_scope.manages_domain,
            core_scope.works_in_domain,
        )
    )
    assert core_scope.subdistricts_of(world.hq) == frozenset({world.sub.pk})
    assert core_scope.neighborhoods_of(world.hq) is None
    assert core_scope.neighborhoods_of(world.staff_a) == frozenset({world.hood_a.pk})
    assert core_scope.subdistricts_of(anonymous) == frozenset()

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.exceptions import ConflictError, ScopeError
from fangkong.core.scope import clear_scope_cache, scope_for
from fangkong.pairing import services
from fangkong.pairing.models import Pairing

pytestmark = pytest.mark.django_db


def test_pairing_grants_cadre_scope(pw):
    user = pw.cadre_b_user
    assert pw.w.hood_b.pk not in scope_for(user).neighborhood_ids
    services.pair_cadre(actor=pw.w.hq, cadre=pw.cadre_b, point=pw.point_b)
    clear_scope_cache(user)
    assert scope_for(user).neighborhood_ids == frozenset({pw.w.hood_b.pk})


def test_ended_pairing_removes_scope(pw):
    pairing = services.pair_cadre(actor=pw.w.hq, cadre=pw.cadre_b, point=pw.point_b)
    services.end_pairing(actor=pw.w.hq, pairing=pairing)
    clear_scope_cache(pw.cadre_b_user)
    assert scope_for(pw.cadre_b_user).neighborhood_ids == frozenset()


def test_double_pairing_refused(pw):
    with pytest.raises(ValidationError):
        services.pair_cadre(actor=pw.w.hq, cadre=pw.cadre_a, point=pw.point_a)
    assert Pairing.objects.filter(cadre=pw.cadre_a, active=True).count() == 1


def test_staff_cannot_pair_outside_neighborhood(pw):
    with pytest.raises((PermissionDenied, ScopeError)):
        services.pair_cadre(actor=pw.w.staff_a, cadre=pw.cadre_b, point=pw.point_b)
    assert not Pairing.objects.filter(cadre=pw.cadre_b).exists()


def test_cadre_cannot_pair(pw):
    with pytest.raises(PermissionDenied):
        services.pair_cadre(actor=pw.w.cadre, cadre=pw.cadre_b, point=pw.point_a)


def test_two_editors_no_lost_update(pw):
    first = Pairing.objects.get(pk=pw.pairing_a.pk)
    second = Pairing.objects.get(pk=pw.pairing_a.pk)
    services.update_pairing(
        actor=pw.w.hq,
        pairing=first,
        expected_version=first.version,
        responsibility=None,
        responsibility_note="门岗",
    )
    with pytest.raises(ConflictError):
        services.update_pairing(
            actor=pw.w.staff_a,
            pairing=second,
            expected_version=second.version,
            responsibility=None,
            responsibility_note="入户",
        )
    assert Pairing.objects.get(pk=pw.pairing_a.pk).responsibility_note == "门岗"

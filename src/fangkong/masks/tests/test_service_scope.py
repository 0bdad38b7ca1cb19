"""Allocation and forfeiting re-check the actor's scope inside the service, not only in the page: a
neighborhood's staff cannot run them for the round or for another neighborhood; the scheduled job
(``actor=None``) and the HQ can."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.exceptions import ScopeError
from fangkong.masks import services
from fangkong.masks.choices import BookingStatus
from fangkong.masks.models import Booking, Voucher
from fangkong.masks.tests.conftest import add_households
from fangkong.masks.tests.test_allocation import book_rooms

pytestmark = pytest.mark.django_db


def test_forfeit_expired_needs_a_manager_of_the_round(world, mround, people):
    later = timezone.now() + dt.timedelta(days=5)
    for persona in ("staff_a", "cadre", "viewer", "auditor", "other_hq", "org_contact"):
        with pytest.raises(ScopeError):
            services.forfeit_expired(actor=getattr(world, persona), mask_round=mround, now=later)
    assert services.forfeit_expired(actor=None, mask_round=mround, now=later) == {
        "forfeited": 0,
        "reallocated": 0,
    }
    assert services.forfeit_expired(actor=world.hq, mask_round=mround, now=later) == {
        "forfeited": 0,
        "reallocated": 0,
    }


def test_allocate_waiting_is_scoped_to_the_actor(world, mround, people):
    homes = add_households(world, 2)
    waiting = book_rooms(world, mround, people, [h.room for h in homes])
    assert {b.status for b in waiting} == {BookingStatus.WAITING}  # no stock yet
    hood = world.hood_a.pk
    with pytest.raises(ScopeError):  # the whole round is the managers'
        services.allocate_waiting(actor=world.staff_a, mask_round=mround)
    with pytest.raises(ScopeError):  # another neighborhood's staff
        services.allocate_waiting(actor=world.staff_b, mask_round=mround, neighborhood_id=hood)
    with pytest.raises(ScopeError):
        services.allocate_waiting(actor=world.viewer, mask_round=mround, neighborhood_id=hood)
    assert services.allocate_waiting(actor=world.staff_a, mask_round=mround, neighborhood_id=hood) == 0
    assert services.allocate_waiting(actor=None, mask_round=mround) == 0
    assert not Voucher.objects.filter(round=mround).exists()
    assert Booking.objects.filter(round=mround, status=BookingStatus.WAITING).count() == 2

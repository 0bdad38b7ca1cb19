"""The masks app's periodic jobs: forfeit and re-allocate, stock shortfall alerts, rate-counter purge."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangkong.core.models import Notification
from fangkong.masks import jobs as masks_jobs
from fangkong.masks import services
from fangkong.masks.choices import BookingStatus
from fangkong.masks.models import Booking, Voucher
from fangkong.masks.tests.conftest import add_households
from fangkong.masks.tests.test_allocation import book_rooms


def test_forfeit_job_serves_the_waiting_list_after_the_pickup_window(world, mround, people):
    homes = add_households(world, 1)
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    first, second = book_rooms(world, mround, people, ["101", homes[0].room])
    assert second.status == BookingStatus.WAITING
    assert masks_jobs.forfeit_and_reallocate(timezone.now()) == {
        "rounds": 1,
        "forfeited": 0,
        "reallocated": 0,
    }
    Voucher.objects.filter(number=first.voucher_number).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    out = masks_jobs.forfeit_and_reallocate(timezone.now())
    assert out == {"rounds": 1, "forfeited": 1, "reallocated": 1}
    assert Booking.objects.get(pk=second.id).status == BookingStatus.ALLOCATED


def test_stock_shortfall_alerts_hq_once_a_day(world, mround, people):
    homes = add_households(world, 1)
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    book_rooms(world, mround, people, ["101", homes[0].room])  # the second household waits, stock is 0
    now = timezone.now()
    assert masks_jobs.stock_shortfall(now) == {"alerts": 1}
    assert masks_jobs.stock_shortfall(now + dt.timedelta(minutes=30)) == {"alerts": 1}  # the same alert
    note = Notification.objects.get(kind="masks.stock_shortfall")
    assert note.recipient == world.hq and world.hood_a.name in note.subject
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    Notification.objects.all().delete()
    # with enough stock the waiting household is served (forfeit job) and nothing is short
    masks_jobs.forfeit_and_reallocate(now)
    assert masks_jobs.stock_shortfall(now) == {"alerts": 0}


def test_rate_purge_job_runs(db):
    assert "deleted" in masks_jobs.purge_rate_counters_job(timezone.now())

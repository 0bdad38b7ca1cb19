"""Finishing a round after its pickup deadline, and the per-site reconciliation report."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fangkong.core.exceptions import ScopeError
from fangkong.core.models import AuditEvent
from fangkong.masks import services
from fangkong.masks.choices import AllocationMode, BookingStatus, RoundStatus, VoucherStatus
from fangkong.masks.models import MaskRound, PickupSlot, Voucher
from fangkong.masks.tests.conftest import add_households, booker_id4, open_round

pytestmark = pytest.mark.django_db

API = "/api/v1/masks"


def book(world, rnd, people, room, hood="a"):
    building = getattr(world, f"building_{hood}")
    return services.book_public(
        round_id=rnd.pk, building_id=building.pk, room=room, client_ip="10.0.0.7", **people()
    )


def test_finish_waits_for_the_pickup_deadline_and_the_forfeit(world, mround, people):
    homes = add_households(world, 1)
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    first = book(world, mround, people, "101")
    second = book(world, mround, people, homes[0].room)
    assert first.voucher_number and second.status == BookingStatus.WAITING
    with pytest.raises(ValidationError, match="领取截止时间") as early:
        services.finish_round(actor=world.hq, mask_round=mround)
    assert early.value.code == "pickup_open"
    later = mround.pickup_ends_at + dt.timedelta(days=3)
    with pytest.raises(ValidationError, match="请先作废逾期凭证") as unforfeited:
        services.finish_round(actor=world.hq, mask_round=mround, now=later)
    assert unforfeited.value.code == "forfeit_first"
    assert MaskRound.objects.get(pk=mround.pk).status == RoundStatus.OPEN  # nothing changed
    out = services.forfeit_expired(actor=world.hq, mask_round=mround, now=later)
    assert out == {"forfeited": 1, "reallocated": 1}  # the second household got the forfeited masks
    # a voucher still inside its own pickup days (a reallocation late in the round gets fresh days) holds the
    # round open until it is collected or forfeited
    again = Voucher.objects.get(booking_id=second.id, status=VoucherStatus.ISSUED)
    Voucher.objects.filter(pk=again.pk).update(expires_at=later + dt.timedelta(days=2))
    with pytest.raises(ValidationError, match="在领取期内") as open_vouchers:
        services.finish_round(actor=world.hq, mask_round=mround, now=later)
    assert open_vouchers.value.code == "vouchers_open"
    services.collect_voucher(
        actor=world.hq, number=again.number, round_id=mround.pk, now=later, id_check=booker_id4(again.number)
    )
    finished = services.finish_round(actor=world.hq, mask_round=mround, now=later)
    assert finished.status == RoundStatus.FINISHED and mround.status == RoundStatus.FINISHED
    assert AuditEvent.objects.filter(object_type="masks.maskround", note="结束本轮").exists()
    with pytest.raises(ValidationError, match="本轮已结束"):
        services.finish_round(actor=world.hq, mask_round=mround, now=later)
    with pytest.raises(ValidationError, match="不能再入库"):
        services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    with pytest.raises(ValidationError):
        book(world, mround, people, "909")
    assert all(r["ok"] for r in services.reconcile(mround))


def test_finish_is_for_hq_and_a_lottery_must_be_drawn(world, people):
    now = timezone.now()
    rnd = open_round(world, mode=AllocationMode.LOTTERY, name="摇号轮")
    book(world, rnd, people, "101")
    later = rnd.pickup_ends_at + dt.timedelta(hours=1)
    with pytest.raises(ScopeError):
        services.finish_round(actor=world.staff_a, mask_round=rnd, now=later)
    with pytest.raises(ScopeError):
        services.finish_round(actor=world.other_hq, mask_round=rnd, now=later)
    with pytest.raises(ValidationError, match="请先摇号"):
        services.finish_round(actor=world.hq, mask_round=rnd, now=later)
    assert MaskRound.objects.get(pk=rnd.pk).status == RoundStatus.OPEN
    assert now < rnd.pickup_ends_at


def test_hq_finishes_a_round_with_the_button(world, as_persona):
    now = timezone.now()
    rnd = open_round(
        world,
        name="旧轮",
        opens_at=now - dt.timedelta(days=10),
        closes_at=now - dt.timedelta(days=8),
        pickup_ends_at=now - dt.timedelta(days=1),
    )
    page = as_persona("hq").get(reverse("masks:round_detail", args=[rnd.pk]))
    assert "结束本轮" in page.content.decode()
    url = reverse("masks:round_action", args=[rnd.pk, "finish"])
    assert as_persona("staff_a").post(url).status_code == 404
    assert MaskRound.objects.get(pk=rnd.pk).status == RoundStatus.OPEN
    assert as_persona("hq").post(url).status_code == 302
    assert MaskRound.objects.get(pk=rnd.pk).status == RoundStatus.FINISHED
    page = as_persona("hq").get(reverse("masks:round_detail", args=[rnd.pk]))
    assert "结束本轮（领取截止后）" not in page.content.decode()
    # an open round cannot be finished: the message says why and nothing changes
    current = open_round(world, name="当前轮")
    answer = as_persona("hq").post(reverse("masks:round_action", args=[current.pk, "finish"]), follow=True)
    assert "领取截止时间" in answer.content.decode()
    assert MaskRound.objects.get(pk=current.pk).status == RoundStatus.OPEN


def _site_rows(rnd, hoods=None):
    return {r["site"]: r for r in services.reconcile_sites(rnd, hoods)}


def test_site_reconciliation_follows_allocation_pickup_and_forfeit(world, mround, people):
    homes = add_households(world, 3)
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=15)
    results = [book(world, mround, people, r) for r in ["101", *[h.room for h in homes]]]
    assert [bool(r.voucher_number) for r in results] == [True, True, True, False]
    site_a = f"{world.hood_a.name}药房"
    row = _site_rows(mround)[site_a]
    assert (row["allocated"], row["outstanding"], row["collected"], row["ok"]) == (15, 15, 0, True)
    assert row["capacity"] == 1000 and row["neighborhood_id"] == world.hood_a.pk
    services.collect_voucher(
        actor=world.hq,
        number=results[0].voucher_number,
        round_id=mround.pk,
        id_check=booker_id4(results[0].voucher_number),
    )
    later = timezone.now() + dt.timedelta(days=5)
    services.forfeit_expired(actor=world.hq, mask_round=mround, now=later)
    row = _site_rows(mround)[site_a]
    assert (row["allocated"], row["forfeited"], row["collected"], row["outstanding"]) == (20, 10, 5, 5)
    assert row["ok"]
    # a slot that holds more vouchers than it says it issued is flagged
    PickupSlot.objects.filter(site__name=site_a).update(issued=0)
    row = _site_rows(mround)[site_a]
    assert not row["ok"] and not row["checks"]["slots_within_capacity"]
    # scoped to neighborhood B: site A is not listed
    assert site_a not in _site_rows(mround, [world.hood_b.pk])


def test_ledger_page_and_api_show_sites_in_scope(world, mround, people, as_persona):
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    book(world, mround, people, "101")
    site_a, site_b = f"{world.hood_a.name}药房", f"{world.hood_b.name}药房"
    page = as_persona("hq").get(reverse("masks:ledger", args=[mround.pk])).content.decode()
    assert "按领取点对账" in page and site_a in page and site_b in page
    page_b = as_persona("staff_b").get(reverse("masks:ledger", args=[mround.pk])).content.decode()
    assert site_b in page_b and site_a not in page_b
    rows = as_persona("staff_b").get(f"{API}/rounds/{mround.pk}/reconciliation/sites").json()
    assert [r["site"] for r in rows] == [site_b]
    rows = as_persona("hq").get(f"{API}/rounds/{mround.pk}/reconciliation/sites").json()
    by_site = {r["site"]: r for r in rows}
    assert set(by_site) == {site_a, site_b, "未指定领取点"} and all(r["ok"] for r in rows)
    assert by_site["未指定领取点"]["received"] == 5  # the batch named no site
    assert by_site[site_a]["allocated"] == 5 and by_site[site_a]["received"] == 0
    assert as_persona("other_hq").get(f"{API}/rounds/{mround.pk}/reconciliation/sites").status_code == 404
    assert as_persona("anonymous").get(f"{API}/rounds/{mround.pk}/reconciliation/sites").status_code == 401

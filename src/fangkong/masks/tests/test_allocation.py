"""Stock ledger, allocation in booking order, vouchers, pickup, forfeit and the lottery."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from fangkong.core import notify
from fangkong.core.models import Notification
from fangkong.masks import caches, services
from fangkong.masks.choices import BookingStatus, LedgerKind, VoucherStatus
from fangkong.masks.models import Booking, LedgerEntry, StockBalance, Voucher
from fangkong.masks.services import allocation
from fangkong.masks.tests.conftest import add_households, booker_id4

pytestmark = pytest.mark.django_db


def book_rooms(world, rnd, people, rooms, hood="a"):
    building = getattr(world, f"building_{hood}")
    return [
        services.book_public(
            round_id=rnd.pk, building_id=building.pk, room=r, client_ip="10.0.0.9", **people()
        )
        for r in rooms
    ]


def test_batch_serves_waiting_households_in_booking_order(world, mround, people):
    homes = add_households(world, 4)
    results = book_rooms(world, mround, people, [h.room for h in homes])
    assert all(r.status == BookingStatus.WAITING for r in results)
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=12)
    allocated = list(
        Booking.objects.filter(status=BookingStatus.ALLOCATED).order_by("id").values_list("number", flat=True)
    )
    assert allocated == [r.number for r in results[:2]]  # 12 masks, 5 per household: the first two
    assert StockBalance.objects.get(round=mround, neighborhood=world.hood_a).balance == 2
    assert Notification.objects.filter(kind="mask_voucher").count() == 2
    [row] = services.reconcile(mround)
    assert row["ok"] and row["received"] == 12 and row["allocated"] == 10 and row["outstanding"] == 10


def test_booking_with_stock_on_hand_gets_a_voucher_at_once(world, mround, people):
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    [result] = book_rooms(world, mround, people, ["101"])
    assert result.status == BookingStatus.ALLOCATED and result.voucher_number
    voucher = Voucher.objects.get(number=result.voucher_number)
    assert voucher.site is not None and voucher.slot is not None and voucher.quantity == 5
    assert StockBalance.objects.get(round=mround, neighborhood=world.hood_a).balance == 0


def test_inline_voucher_stores_and_sends_its_notification_in_few_statements(
    world,
    mround,
    people,
    settings,
    tmp_path,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    """On PostgreSQL the booking and its voucher (with ledger entry and notification) are two statements."""
    import json

    from django.db import connection

    settings.FANGKONG_NOTIFY_BACKENDS = ["file"]
    settings.FANGKONG_NOTIFY_FILE = str(tmp_path / "notify.jsonl")
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=10)
    homes = add_households(world, 2)
    book_rooms(world, mround, people, [homes[0].room])  # caches warm
    pg = connection.vendor == "postgresql"
    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(2 if pg else 12):
        [result] = book_rooms(world, mround, people, [homes[1].room])
    assert result.status == BookingStatus.ALLOCATED and result.voucher_number
    note = Notification.objects.get(kind="mask_voucher", subject__contains=result.voucher_number)
    assert note.neighborhood_id == world.hood_a.pk and note.subdistrict_id == world.hood_a.subdistrict_id
    assert result.number in note.body
    assert not (tmp_path / "notify.jsonl").exists()  # the worker delivers, never the request
    assert notify.deliver_pending() >= 1
    sent = [json.loads(line) for line in (tmp_path / "notify.jsonl").read_text().splitlines()]
    assert [m["id"] for m in sent if result.voucher_number in m["subject"]] == [note.pk]
    assert Notification.objects.filter(kind="mask_voucher").count() == 2


def test_balance_can_never_go_negative(world, mround):
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=3)
    with pytest.raises(ValidationError, match="库存不足"):
        services.return_stock(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(round=mround).update(balance=-1)
    services.return_stock(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=3)
    [row] = services.reconcile(mround)
    assert row["ok"] and row["returned"] == 3 and row["balance"] == 0


def test_only_hq_records_stock(world, mround):
    from fangkong.core.exceptions import ScopeError

    with pytest.raises(ScopeError):
        services.record_stock_batch(
            actor=world.staff_a, mask_round=mround, neighborhood=world.hood_a, quantity=10
        )
    with pytest.raises(ValidationError):
        services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=0)
    assert not LedgerEntry.objects.exists()


def test_pickup_then_second_pickup_is_refused_with_the_time(world, mround, people):
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    [result] = book_rooms(world, mround, people, ["101"])
    voucher = Voucher.objects.get(number=result.voucher_number)
    done = services.collect_voucher(
        actor=world.staff_a,
        number=voucher.number.lower(),
        round_id=mround.pk,
        site_id=voucher.site_id,
        id_check=booker_id4(voucher.number),
    )
    assert done.status == VoucherStatus.COLLECTED and done.collected_by == world.staff_a
    with pytest.raises(ValidationError) as exc:
        services.collect_voucher(
            actor=world.staff_a,
            number=voucher.number,
            round_id=mround.pk,
            id_check=booker_id4(voucher.number),
        )
    shown = timezone.localtime(done.collected_at).strftime("%Y-%m-%d %H:%M")
    assert "已于" in exc.value.messages[0] and shown in exc.value.messages[0]
    assert Booking.objects.get(pk=result.id).status == BookingStatus.COLLECTED
    [row] = services.reconcile(mround)
    assert row["ok"] and row["collected"] == 5 and row["outstanding"] == 0


def test_pickup_refusals(world, mround, people):
    from fangkong.masks.tests.conftest import open_round

    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    [result] = book_rooms(world, mround, people, ["101"])
    other_round = open_round(world, name="第二轮")
    b_site = other_round.sites.get(neighborhood=world.hood_b)
    cases = [
        ({"number": "VNOPE", "round_id": mround.pk}, "未找到"),
        ({"number": result.voucher_number, "round_id": other_round.pk}, "不是本轮次"),
        ({"number": result.voucher_number, "round_id": mround.pk, "site_id": b_site.pk}, "不能在本领取点"),
        ({"number": "", "round_id": mround.pk}, "请输入"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.collect_voucher(actor=world.hq, id_check=booker_id4(kwargs["number"]), **kwargs)
        assert message in exc.value.messages[0]
    # staff of another neighborhood do not find it at all
    with pytest.raises(ValidationError, match="未找到"):
        services.collect_voucher(
            actor=world.staff_b,
            number=result.voucher_number,
            round_id=mround.pk,
            id_check=booker_id4(result.voucher_number),
        )
    assert Voucher.objects.get(number=result.voucher_number).status == VoucherStatus.ISSUED


def test_forfeit_gives_the_masks_to_the_waiting_list(world, mround, people):
    homes = add_households(world, 2)
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    first, second, third = book_rooms(world, mround, people, ["101", homes[0].room, homes[1].room])
    assert first.voucher_number and second.status == BookingStatus.WAITING
    later = timezone.now() + dt.timedelta(days=5)
    with pytest.raises(ValidationError, match="已过领取截止"):
        services.collect_voucher(
            actor=world.hq,
            number=first.voucher_number,
            round_id=mround.pk,
            now=later,
            id_check=booker_id4(first.voucher_number),
        )
    out = services.forfeit_expired(actor=world.hq, mask_round=mround, now=later)
    assert out == {"forfeited": 1, "reallocated": 1}
    assert Booking.objects.get(pk=first.id).status == BookingStatus.FORFEITED
    assert Booking.objects.get(pk=second.id).status == BookingStatus.ALLOCATED
    assert Booking.objects.get(pk=third.id).status == BookingStatus.WAITING
    new_voucher = Voucher.objects.get(booking_id=second.id)
    assert new_voucher.expires_at > timezone.now()
    [row] = services.reconcile(mround)
    assert row["ok"] and row["forfeited"] == 5 and row["allocated"] == 10


def test_lottery_is_reproducible_and_audited(world, lottery_round, people):
    from fangkong.core.models import AuditEvent

    homes = add_households(world, 6)
    book_rooms(world, lottery_round, people, ["101"] + [h.room for h in homes])
    services.record_stock_batch(
        actor=world.hq, mask_round=lottery_round, neighborhood=world.hood_a, quantity=15
    )
    assert not Voucher.objects.exists()  # a lottery round waits for the draw
    with pytest.raises(ValidationError, match="尚未截止"):
        services.draw_lottery(actor=world.hq, mask_round=lottery_round, seed="abc")
    services.close_round(actor=world.hq, mask_round=lottery_round)
    rnd = services.draw_lottery(actor=world.hq, mask_round=lottery_round, seed="2020-02-03")
    assert rnd.lottery_seed == "2020-02-03"
    ranked = list(Booking.objects.filter(round=rnd).order_by("draw_rank").values_list("number", flat=True))
    assert ranked == services.lottery_order("2020-02-03", ranked)
    assert services.lottery_digest(ranked) == rnd.lottery_digest
    winners = set(Booking.objects.filter(status=BookingStatus.ALLOCATED).values_list("number", flat=True))
    assert winners == set(ranked[:3])
    assert AuditEvent.objects.filter(object_type="masks.maskround", note="lottery drawn").exists()
    with pytest.raises(ValidationError, match="不能重复摇号"):
        services.draw_lottery(actor=world.hq, mask_round=rnd)


def test_lottery_order_depends_only_on_seed_and_entries():
    entries = [f"N{i:03d}" for i in range(50)]
    a = services.lottery_order("seed-1", entries)
    assert a == services.lottery_order("seed-1", list(reversed(entries)))
    assert a != services.lottery_order("seed-2", entries)
    assert sorted(a) == sorted(entries)


def test_ledger_kinds_are_recorded(world, mround, people):
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=10)
    book_rooms(world, mround, people, ["101"])
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == {LedgerKind.RECEIVED, LedgerKind.ALLOCATED}


def test_forfeit_and_allocate_commands(world, mround, people):
    from io import StringIO

    from django.core.management import call_command

    homes = add_households(world, 1)
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    first, second = book_rooms(world, mround, people, ["101", homes[0].room])
    Voucher.objects.filter(number=first.voucher_number).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    out = StringIO()
    call_command("masks_forfeit", stdout=out)
    assert "forfeited 1, reallocated 1" in out.getvalue()
    assert Booking.objects.get(pk=second.id).status == BookingStatus.ALLOCATED
    call_command("masks_allocate", stdout=out)
    assert "0 vouchers issued" in out.getvalue()


def test_inline_vouchers_fill_the_earliest_open_slot_then_the_next_then_the_site(world, people):
    from fangkong.masks.models import PickupSite, PickupSlot
    from fangkong.masks.tests.conftest import open_round

    rnd = open_round(world, slots=False, name="时段轮")
    now = timezone.now()
    site = services.add_pickup_site(
        actor=world.hq,
        mask_round=rnd,
        neighborhood=world.hood_a,
        name="时段药房",
        slots=[
            (now - dt.timedelta(hours=3), now - dt.timedelta(hours=2), 5),  # already over: never offered
            (now + dt.timedelta(hours=2), now + dt.timedelta(days=2), 1),
            (now + dt.timedelta(hours=1), now + dt.timedelta(hours=5), 1),
        ],
    )
    ended, later, earliest = PickupSlot.objects.filter(site=site).order_by("id")
    homes = add_households(world, 3)
    services.record_stock_batch(actor=world.hq, mask_round=rnd, neighborhood=world.hood_a, quantity=17)
    results = book_rooms(world, rnd, people, [h.room for h in homes])
    vouchers = [Voucher.objects.get(number=r.voucher_number) for r in results]
    assert [v.slot_id for v in vouchers] == [earliest.pk, later.pk, None]
    first_site = PickupSite.objects.filter(round=rnd, neighborhood=world.hood_a).order_by("id").first()
    assert first_site is not None and first_site.pk != site.pk  # open_round gave the neighborhood a site
    # slots full: the neighborhood's first site, without a slot
    assert [v.site_id for v in vouchers] == [site.pk, site.pk, first_site.pk]
    assert vouchers[0].expires_at == earliest.ends_at and vouchers[1].expires_at == later.ends_at
    assert vouchers[2].expires_at == rnd.pickup_ends_at
    issued = dict(PickupSlot.objects.filter(site=site).values_list("id", "issued"))
    assert issued == {ended.pk: 0, later.pk: 1, earliest.pk: 1}
    assert StockBalance.objects.get(round=rnd, neighborhood=world.hood_a).balance == 2
    ledger = LedgerEntry.objects.filter(round=rnd, kind=LedgerKind.ALLOCATED)
    assert sorted(ledger.values_list("voucher_id", flat=True)) == sorted(v.pk for v in vouchers)
    assert sorted(e.site_id for e in ledger) == sorted(v.site_id for v in vouchers)
    assert all(e.quantity == 5 for e in ledger)
    assert Booking.objects.filter(round=rnd, status=BookingStatus.ALLOCATED).count() == 3
    # no stock for a fourth household: it waits, and nothing else changes
    [extra] = add_households(world, 1, start=301)
    [waiting] = book_rooms(world, rnd, people, [extra.room])
    assert waiting.status == BookingStatus.WAITING and not waiting.voucher_number
    assert Voucher.objects.filter(round=rnd).count() == 3
    assert StockBalance.objects.get(round=rnd, neighborhood=world.hood_a).balance == 2


def test_inline_allocation_after_a_batch_served_the_booking_returns_that_voucher(world, mround, people):
    """The race a surge hits: a booking is inserted waiting, a stock batch's allocation serves it, and only
    then does the booking's own inline allocation run. It answers the batch's voucher, takes no more stock and
    writes no second voucher."""
    add_households(world, 1)
    [result] = book_rooms(world, mround, people, ["201"])
    assert result.status == BookingStatus.WAITING
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=10)
    voucher = Voucher.objects.get(booking_id=result.id)
    info = caches.round_info(mround.pk)
    caches.forget("stock")
    again = allocation.try_allocate_one(info, result.id, result.number, world.hood_a.pk)
    assert again == voucher.number
    assert Voucher.objects.filter(booking_id=result.id).count() == 1
    assert StockBalance.objects.get(round=mround, neighborhood=world.hood_a).balance == 5
    assert LedgerEntry.objects.filter(kind=LedgerKind.ALLOCATED).count() == 1

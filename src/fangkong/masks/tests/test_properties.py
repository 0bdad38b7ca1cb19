"""Property tests: whatever order stock batches, bookings, repeats, pickups and forfeits arrive in, no household
holds two allocations, promised masks never exceed the stock received, and the ledger reconciles."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core import ttlcache
from fangkong.core.testing import make_id_number, make_phone
from fangkong.core.tests.matrix import rolled_back
from fangkong.masks import services
from fangkong.masks.choices import AllocationMode, BookingStatus, VoucherStatus
from fangkong.masks.models import Booking, LedgerEntry, StockBalance, Voucher
from fangkong.masks.tests.conftest import add_households, open_round

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 8

events = st.lists(
    st.one_of(
        st.tuples(st.just("book"), st.integers(0, HOUSEHOLDS - 1), st.sampled_from("ab"), st.integers(0, 3)),
        st.tuples(st.just("stock"), st.integers(1, 23), st.sampled_from("ab"), st.just(0)),
        st.tuples(st.just("collect"), st.integers(0, HOUSEHOLDS - 1), st.sampled_from("ab"), st.just(0)),
        st.tuples(st.just("forfeit"), st.just(0), st.just("a"), st.just(0)),
    ),
    min_size=1,
    max_size=30,
)


@pytest.fixture
def homes(world):
    return {
        "a": add_households(world, HOUSEHOLDS, hood="a"),
        "b": add_households(world, HOUSEHOLDS, hood="b"),
    }


def _check_invariants(rnd, received_by_hood):
    # one booking per household, one voucher per booking (database constraints), never two live vouchers
    dup = (
        Booking.objects.filter(round=rnd, household__isnull=False)
        .values("household")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not dup.exists()
    live = Voucher.objects.filter(round=rnd).exclude(status=VoucherStatus.FORFEITED)
    per_household = (
        live.filter(booking__household__isnull=False)
        .values("booking__household")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not per_household.exists()
    for hood_id, received in received_by_hood.items():
        promised = live.filter(neighborhood_id=hood_id).aggregate(s=Sum("quantity"))["s"] or 0
        assert promised <= received
        bal = (
            StockBalance.objects.filter(round=rnd, neighborhood_id=hood_id)
            .values_list("balance", flat=True)
            .first()
        )
        assert (bal or 0) >= 0
        assert promised + (bal or 0) == received
    assert all(row["ok"] for row in services.reconcile(rnd))
    # booking status agrees with the voucher
    for b in Booking.objects.filter(round=rnd).select_related("voucher"):
        voucher = getattr(b, "voucher", None)
        expected = {
            None: {BookingStatus.WAITING, BookingStatus.REVIEW},
            VoucherStatus.ISSUED: {BookingStatus.ALLOCATED},
            VoucherStatus.COLLECTED: {BookingStatus.COLLECTED},
            VoucherStatus.FORFEITED: {BookingStatus.FORFEITED},
        }[voucher.status if voucher else None]
        assert b.status in expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=events, mode=st.sampled_from([AllocationMode.ORDER, AllocationMode.LOTTERY]))
def test_any_arrival_order_keeps_the_invariants(world, homes, steps, mode):
    import random

    rng = random.Random(3)
    with rolled_back():  # one example, undone; the services' durable transactions run inside
        ttlcache.clear_all()
        rnd = open_round(world, mode=mode, name=f"r-{mode}")
        hoods = {"a": world.hood_a, "b": world.hood_b}
        received = {world.hood_a.pk: 0, world.hood_b.pk: 0}
        later = timezone.now()
        drawn = False
        for kind, n, hood_key, variant in steps:
            if kind == "book" and rnd.is_open_at():
                home = homes[hood_key][n]
                try:  # another person for an address already booked is refused; nothing changes
                    services.book_public(
                        round_id=rnd.pk,
                        building_id=home.building_id,
                        room=home.room if variant < 3 else "9" + home.room,  # variant 3: unregistered address
                        name="住户",
                        id_number=make_id_number(rng),
                        phone=make_phone(rng),
                    )
                except services.AddressBooked:
                    pass
            elif kind == "stock":
                services.record_stock_batch(
                    actor=world.hq, mask_round=rnd, neighborhood=hoods[hood_key], quantity=n
                )
                received[hoods[hood_key].pk] += n
            elif kind == "collect":
                v = Voucher.objects.filter(round=rnd, booking__household=homes[hood_key][n]).first()
                if v is not None and v.status == VoucherStatus.ISSUED:
                    services.collect_voucher(
                        actor=world.hq,
                        number=v.number,
                        round_id=rnd.pk,
                        id_check=v.booking.id_number_masked[-4:],
                    )
            elif kind == "forfeit":
                if mode == AllocationMode.LOTTERY and not drawn:
                    services.close_round(actor=world.hq, mask_round=rnd)
                    services.draw_lottery(actor=world.hq, mask_round=rnd, seed="p")
                    rnd.refresh_from_db()
                    drawn = True
                later += dt.timedelta(days=5)
                services.forfeit_expired(actor=world.hq, mask_round=rnd, now=later)
            _check_invariants(rnd, received)
        transaction.set_rollback(True)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.text(min_size=1, max_size=20),
    numbers=st.lists(
        st.text(alphabet="ABCDEFGHJK23456789", min_size=4, max_size=9), unique=True, max_size=40
    ),
)
def test_lottery_is_reproducible_from_its_seed(seed, numbers):
    order = services.lottery_order(seed, numbers)
    assert order == services.lottery_order(seed, list(reversed(numbers)))
    assert sorted(order) == sorted(numbers)
    assert services.lottery_digest(order) == services.lottery_digest(services.lottery_order(seed, numbers))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stock=st.integers(0, 60), forfeits=st.integers(0, 8))
def test_forfeit_reallocates_to_the_waiting_list_in_order(world, homes, stock, forfeits):
    import random

    rng = random.Random(5)
    with rolled_back():  # one example, undone; the services' durable transactions run inside
        ttlcache.clear_all()
        rnd = open_round(world, name="forfeit")
        numbers = []
        for home in homes["a"]:
            numbers.append(
                services.book_public(
                    round_id=rnd.pk,
                    building_id=home.building_id,
                    room=home.room,
                    name="住户",
                    id_number=make_id_number(rng),
                    phone=make_phone(rng),
                ).number
            )
        if stock:
            services.record_stock_batch(
                actor=world.hq, mask_round=rnd, neighborhood=world.hood_a, quantity=stock
            )
        served = min(stock // 5, len(numbers))
        first = set(
            Booking.objects.filter(round=rnd, status=BookingStatus.ALLOCATED).values_list("number", flat=True)
        )
        assert first == set(numbers[:served])
        expired = list(Voucher.objects.filter(round=rnd).order_by("id")[:forfeits])
        Voucher.objects.filter(pk__in=[v.pk for v in expired]).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
        out = services.forfeit_expired(actor=world.hq, mask_round=rnd)
        assert out["forfeited"] == len(expired)
        assert out["reallocated"] == min(len(expired), len(numbers) - served)
        now_served = set(
            Booking.objects.filter(round=rnd, status=BookingStatus.ALLOCATED).values_list("number", flat=True)
        )
        assert now_served == set(numbers[: served + out["reallocated"]]) - {v.booking.number for v in expired}
        assert LedgerEntry.objects.filter(round=rnd, kind="forfeited").count() == len(expired)
        assert all(row["ok"] for row in services.reconcile(rnd))
        transaction.set_rollback(True)

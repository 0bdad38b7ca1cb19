"""Many threads booking the same households while stock batches arrive: no duplicate booking, no
over-allocation, and every successful answer has its row (runs on SQLite and on PostgreSQL)."""

import random
import threading
from collections import defaultdict

import pytest
from django.db import close_old_connections, connections
from django.db.models import Count, Sum

from fangkong.core.testing import make_id_number, make_phone
from fangkong.masks import services
from fangkong.masks.choices import BookingStatus, VoucherStatus
from fangkong.masks.models import Booking, StockBalance, Voucher
from fangkong.masks.tests.conftest import add_households, open_round

THREADS = 12
HOUSEHOLDS = 40
BATCHES = [15, 10, 25, 5, 20]  # 75 masks: 15 households' worth, for 40 households


@pytest.mark.django_db(transaction=True)
def test_surge_of_bookings_and_scarce_stock(world):
    homes = add_households(world, HOUSEHOLDS)
    rnd = open_round(world, name="并发")
    hq = world.hq
    # every household is booked three times by different threads, in shuffled orders: twice by the same
    # person (a double submit) and once by someone else
    people_rng = random.Random(99)
    persons = {
        h.room: [(make_id_number(people_rng), make_phone(people_rng)) for _i in range(2)] for h in homes
    }
    plan = [(h.building_id, h.room, who) for h in homes for who in (0, 0, 1)]
    random.Random(1).shuffle(plan)
    chunks = [plan[i::THREADS] for i in range(THREADS)]
    results: dict[str, list[tuple[str, str, bool, int]]] = defaultdict(list)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS + 1)

    def booker(index: int) -> None:
        try:
            start.wait()
            for building_id, room, who in chunks[index]:
                id_number, phone = persons[room][who]
                try:
                    result = services.book_public(
                        round_id=rnd.pk,
                        building_id=building_id,
                        room=room,
                        name="住户",
                        id_number=id_number,
                        phone=phone,
                    )
                except services.AddressBooked:
                    results[room].append(("", "", False, who))
                else:
                    results[room].append((result.number, result.voucher_number, result.created, who))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            close_old_connections()
            connections.close_all()

    def stocker() -> None:
        try:
            start.wait()
            for quantity in BATCHES:
                services.record_stock_batch(
                    actor=hq, mask_round=rnd, neighborhood=world.hood_a, quantity=quantity
                )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=booker, args=(i,)) for i in range(THREADS)]
    threads.append(threading.Thread(target=stocker))
    # the stocker shares the barrier with the bookers: it replaces one of the THREADS + 1 parties
    start = threading.Barrier(len(threads))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors[:3]

    # no duplicate booking: one row per household, and every answer for a household names that row
    rows = dict(Booking.objects.filter(round=rnd).values_list("room", "number"))
    assert len(rows) == HOUSEHOLDS
    assert (
        not Booking.objects.filter(round=rnd)
        .values("household")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    for room, answers in results.items():
        assert len(answers) == 3
        [booker] = [who for _n, _v, created, who in answers if created]  # exactly one answer created it
        for number, _v, _c, who in answers:  # the booker's answers name its row; the other person's, nothing
            assert number == (rows[room] if who == booker else "")
    # no over-allocation
    received = sum(BATCHES)
    promised = Voucher.objects.filter(round=rnd).aggregate(s=Sum("quantity"))["s"] or 0
    balance = StockBalance.objects.get(round=rnd, neighborhood=world.hood_a).balance
    assert promised <= received and balance >= 0 and promised + balance == received
    assert promised == (received // 5) * 5  # scarce stock: everything that can be promised was
    assert Voucher.objects.filter(round=rnd, status=VoucherStatus.ISSUED).count() == received // 5
    assert Booking.objects.filter(round=rnd, status=BookingStatus.ALLOCATED).count() == received // 5
    # vouchers answered inline exist
    inline = {v for answers in results.values() for _n, v, _c, _w in answers if v}
    assert inline <= set(Voucher.objects.values_list("number", flat=True))
    assert all(row["ok"] for row in services.reconcile(rnd))


@pytest.mark.django_db(transaction=True)
def test_two_desks_book_the_same_household_at_the_same_moment(world):
    rnd = open_round(world, name="双窗口")
    start = threading.Barrier(6)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def desk() -> None:
        try:
            start.wait()
            numbers.append(
                services.book_at_desk(
                    actor=world.staff_a,
                    mask_round=rnd,
                    household=world.household_a,
                    resident=world.resident_a,
                ).number
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=desk) for _i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    assert len(set(numbers)) == 1 and len(numbers) == 6
    assert Booking.objects.filter(round=rnd).count() == 1

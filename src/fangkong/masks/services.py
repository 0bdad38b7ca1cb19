"""Every write of the mask reservations. Views, API, CLI and the demo call these.

The public booking path is lean on purpose: the round and the address tree come from short per-process
caches, the client is counted against the core rate limiter's fixed windows in the same statement as the
booking itself, which is
one INSERT whose uniqueness the database enforces. A duplicate (a double submit, or a second member of the
household) makes that INSERT fail; the existing booking is then read and returned, the same booking number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import audit, crypto, ratelimit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.policies import get_policy
from fangkong.core.scope import scope_for
from fangkong.core.validators import check_resident_id, validate_mobile, validate_name
from fangkong.masks import access, caches, fastcheck
from fangkong.masks.allocation import allocate_waiting, ledger, locked_balance, try_allocate_one
from fangkong.masks.choices import (
    AllocationMode,
    BookingStatus,
    Channel,
    LedgerKind,
    RoundStatus,
    VoucherStatus,
)
from fangkong.masks.models import (
    BALANCE_SIGN,
    Booking,
    LedgerEntry,
    MaskRound,
    PickupSite,
    PickupSlot,
    StockBalance,
    StockBatch,
    Voucher,
)
from fangkong.masks.numbers import new_number, normalize_room
from fangkong.masks.statements import execute_prepared as _execute_prepared

NOT_FOUND = gettext_lazy("没有找到预约。")


class AddressBooked(ValidationError):
    """The address already has a booking in the round and the person asking is neither its booker nor a
    registered member of its household: they learn that much and nothing more (no number, status or voucher)."""

    def __init__(self) -> None:
        super().__init__(_("该地址本轮已预约。"), code="booked")


RateLimited = ratelimit.RateLimited  # what book_public raises over a limit (the core limiter's exception)


@dataclass(frozen=True)
class BookingResult:
    id: int
    number: str
    status: str
    created: bool
    neighborhood_id: int
    unregistered: bool
    voucher_number: str = ""


# --------------------------------------------------------------------------------------------------- helpers


def _require_manage(actor: Any, subdistrict_id: int) -> None:
    if not access.can_manage_subdistrict(actor, subdistrict_id):
        raise ScopeError("masks-manage")


def _require_neighborhood(actor: Any, subdistrict_id: int, neighborhood_id: int) -> None:
    scope = scope_for(actor)
    if scope.read_only or not scope.allows_domain("masks"):
        raise ScopeError("masks")
    if not scope.covers_neighborhood(subdistrict_id, neighborhood_id):
        raise ScopeError("neighborhood")


@contextmanager
def _savepoint_if_atomic() -> Iterator[None]:
    """A savepoint inside a transaction; nothing in autocommit (one statement is atomic by itself)."""
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
    else:
        yield


def _forget_round(round_id: int) -> None:
    caches.forget("round")
    caches.forget("slots")
    caches.forget("stock")


# ---------------------------------------------------------------------------------------------------- rounds


@transaction.atomic
def open_mask_round(
    *,
    actor: Any,
    subdistrict: Any,
    name: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    pickup_ends_at: dt.datetime | None = None,
    mode: str = AllocationMode.ORDER,
    masks_per_household: int | None = None,
) -> MaskRound:
    _require_manage(actor, subdistrict.pk)
    if masks_per_household is None:
        masks_per_household = int(get_policy(subdistrict.pk, "masks_per_household", on=opens_at.date()))
    rnd = MaskRound(
        subdistrict=subdistrict,
        name=name,
        opens_at=opens_at,
        closes_at=closes_at,
        pickup_ends_at=pickup_ends_at or closes_at + dt.timedelta(days=3),
        mode=mode,
        masks_per_household=masks_per_household,
    )
    core_services.create_object(actor=actor, obj=rnd)
    return rnd


@transaction.atomic
def close_round(*, actor: Any, mask_round: MaskRound) -> MaskRound:
    _require_manage(actor, mask_round.subdistrict_id)
    if mask_round.status != RoundStatus.OPEN:
        raise ValidationError(_("本轮预约已截止。"), code="closed")
    mask_round.status = RoundStatus.CLOSED
    if mask_round.closes_at > timezone.now():
        mask_round.closes_at = max(timezone.now(), mask_round.opens_at + dt.timedelta(seconds=1))
    core_services.update_object(actor=actor, obj=mask_round, note=_("截止预约"))
    _forget_round(mask_round.pk)
    return mask_round


@transaction.atomic
def add_pickup_site(
    *,
    actor: Any,
    mask_round: MaskRound,
    neighborhood: Any,
    name: str,
    kind: str = "pharmacy",
    address: str = "",
    slots: Iterable[tuple[dt.datetime, dt.datetime, int]] = (),
) -> PickupSite:
    _require_manage(actor, mask_round.subdistrict_id)
    if neighborhood.subdistrict_id != mask_round.subdistrict_id:
        raise ValidationError(_("领取点所在居民区不属于本街道。"), code="neighborhood")
    site = PickupSite(
        subdistrict_id=mask_round.subdistrict_id,
        round=mask_round,
        neighborhood=neighborhood,
        name=name,
        kind=kind,
        address=address,
    )
    core_services.create_object(actor=actor, obj=site)
    for starts_at, ends_at, capacity in slots:
        add_pickup_slot(actor=actor, site=site, starts_at=starts_at, ends_at=ends_at, capacity=capacity)
    caches.forget("slots")
    return site


@transaction.atomic
def add_pickup_slot(
    *, actor: Any, site: PickupSite, starts_at: dt.datetime, ends_at: dt.datetime, capacity: int
) -> PickupSlot:
    _require_manage(actor, site.subdistrict_id)
    slot = PickupSlot(site=site, starts_at=starts_at, ends_at=ends_at, capacity=capacity)
    slot.full_clean()
    slot.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=slot,
        changes=audit.snapshot(slot),
        subdistrict_id=site.subdistrict_id,
        neighborhood_id=site.neighborhood_id,
    )
    caches.forget("slots")
    return slot


# ------------------------------------------------------------------------------------------------ the ledger


@transaction.atomic
def record_stock_batch(
    *,
    actor: Any,
    mask_round: MaskRound,
    neighborhood: Any,
    quantity: int,
    site: PickupSite | None = None,
    note: str = "",
    received_at: dt.datetime | None = None,
) -> StockBatch:
    """Receive masks for a neighborhood; in booking-order rounds the waiting households are served at once."""
    _require_manage(actor, mask_round.subdistrict_id)
    if quantity is None or int(quantity) <= 0:
        raise ValidationError(_("到货数量必须大于0。"), code="quantity")
    if neighborhood.subdistrict_id != mask_round.subdistrict_id:
        raise ValidationError(_("该居民区不属于本轮次所在街道。"), code="neighborhood")
    if site is not None and (site.round_id != mask_round.pk or site.neighborhood_id != neighborhood.pk):
        raise ValidationError(_("领取点与轮次或居民区不符。"), code="site")
    if mask_round.status == RoundStatus.FINISHED:
        raise ValidationError(_("本轮已结束，不能再入库。"), code="finished")
    batch = StockBatch(
        subdistrict_id=mask_round.subdistrict_id,
        round=mask_round,
        neighborhood=neighborhood,
        site=site,
        quantity=int(quantity),
        note=note,
        received_at=received_at or timezone.now(),
    )
    core_services.create_object(actor=actor, obj=batch)
    balance = locked_balance(mask_round, neighborhood.pk)
    StockBalance.objects.filter(pk=balance.pk).update(balance=F("balance") + batch.quantity)
    ledger(
        mask_round.pk,
        mask_round.subdistrict_id,
        neighborhood.pk,
        LedgerKind.RECEIVED,
        batch.quantity,
        batch=batch,
        site=site,
    ).save()
    caches.forget("stock")
    if mask_round.mode == AllocationMode.ORDER or mask_round.status == RoundStatus.DRAWN:
        allocate_waiting(actor=actor, mask_round=mask_round, neighborhood_id=neighborhood.pk)
    return batch


@transaction.atomic
def return_stock(
    *, actor: Any, mask_round: MaskRound, neighborhood: Any, quantity: int, note: str = ""
) -> None:
    """Send unpromised masks back (e.g. to the district at the end of a round)."""
    _require_manage(actor, mask_round.subdistrict_id)
    if int(quantity) <= 0:
        raise ValidationError(_("退回数量必须大于0。"), code="quantity")
    locked_balance(mask_round, neighborhood.pk)
    updated = StockBalance.objects.filter(
        round=mask_round, neighborhood_id=neighborhood.pk, balance__gte=quantity
    ).update(balance=F("balance") - quantity)
    if updated != 1:
        raise ValidationError(_("可分配库存不足，不能退回 %(n)d 只。") % {"n": quantity}, code="stock")
    ledger(
        mask_round.pk, mask_round.subdistrict_id, neighborhood.pk, LedgerKind.RETURNED, quantity, note=note
    ).save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=mask_round,
        note=f"returned {quantity}",
        neighborhood_id=neighborhood.pk,
    )
    caches.forget("stock")


# ------------------------------------------------------------------------------------------------- lottery


def lottery_order(seed: str, numbers: Iterable[str]) -> list[str]:
    """The draw: booking numbers sorted, then shuffled by a generator seeded with ``seed``. Anyone holding the
    published seed and the list of entries can repeat it."""
    ordered = sorted(numbers)
    random.Random(f"fangkong-masks:{seed}").shuffle(ordered)
    return ordered


def lottery_digest(order: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(order).encode()).hexdigest()


@transaction.atomic
def draw_lottery(*, actor: Any, mask_round: MaskRound, seed: str | None = None) -> MaskRound:
    _require_manage(actor, mask_round.subdistrict_id)
    rnd = MaskRound.objects.select_for_update().get(pk=mask_round.pk)
    if rnd.mode != AllocationMode.LOTTERY:
        raise ValidationError(_("本轮按预约顺序分配，不能摇号。"), code="mode")
    if rnd.lottery_drawn_at is not None:
        raise ValidationError(
            _("本轮已于 %(t)s 摇号，不能重复摇号。") % {"t": _fmt(rnd.lottery_drawn_at)}, code="drawn"
        )
    if rnd.status == RoundStatus.OPEN and rnd.closes_at > timezone.now():
        raise ValidationError(_("预约尚未截止，截止后才能摇号。"), code="open")
    seed = (seed or secrets.token_hex(16)).strip()
    entries = dict(
        Booking.objects.filter(round=rnd, status=BookingStatus.WAITING).values_list("number", "id")
    )
    order = lottery_order(seed, entries)
    updates = [Booking(pk=entries[number], draw_rank=rank) for rank, number in enumerate(order, start=1)]
    Booking.objects.bulk_update(updates, ["draw_rank"], batch_size=500)
    rnd.lottery_seed = seed
    rnd.lottery_digest = lottery_digest(order)
    rnd.lottery_drawn_at = timezone.now()
    rnd.status = RoundStatus.DRAWN
    rnd.save(update_fields=["lottery_seed", "lottery_digest", "lottery_drawn_at", "status", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=rnd,
        note="lottery drawn",
        changes={"seed": seed, "digest": rnd.lottery_digest, "entries": len(order)},
    )
    _forget_round(rnd.pk)
    allocate_waiting(actor=actor, mask_round=rnd)
    mask_round.refresh_from_db()
    return rnd


# -------------------------------------------------------------------------------------------------- booking


def _validate_person(name: str, id_number: str, phone: str, *, fast: bool = False) -> tuple[str, str, str]:
    """Name, resident ID and mobile, all checked; ``fast`` uses the equivalent lean validators."""
    errors: dict[str, list[str]] = {}
    try:
        name = validate_name(name)
    except ValidationError as exc:
        errors["name"] = exc.messages
    try:
        id_value = fastcheck.resident_id(id_number) if fast else check_resident_id(id_number).value
    except ValidationError as exc:
        errors["id_number"] = exc.messages
        id_value = ""
    try:
        phone_value = fastcheck.mobile(phone) if fast else validate_mobile(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
        phone_value = ""
    if errors:
        raise ValidationError(errors)
    return name, id_value, phone_value


def _check_window(info: caches.RoundInfo | None, now: dt.datetime) -> caches.RoundInfo:
    if info is None:
        raise ValidationError(_("预约轮次不存在。"), code="round")
    if info.status != RoundStatus.OPEN or now >= info.closes_at:
        raise ValidationError(_("本轮预约已截止（%(t)s）。") % {"t": _fmt(info.closes_at)}, code="closed")
    if now < info.opens_at:
        raise ValidationError(
            _("本轮预约尚未开始，开始时间 %(t)s。") % {"t": _fmt(info.opens_at)}, code="not_open"
        )
    return info


def _fmt(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _may_see_sql(booking_alias: str) -> str:
    """SQL truth value (two parameters, both the asker's ID hash): the asker booked this booking, or is a
    member of its household in the registry."""
    from fangkong.registry.models import Resident

    rt = connection.ops.quote_name(Resident._meta.db_table)
    b = booking_alias
    return (
        f"({b}.id_number_hash = %s OR EXISTS (SELECT 1 FROM {rt} r "
        f"WHERE r.id_number_hash = %s AND r.household_id = {b}.household_id))"
    )


def _existing(round_id: int, key: str, id_hash: str = "") -> tuple[BookingResult, bool] | None:
    """The booking already made for an address of the round (with its voucher number), and whether the
    person with ID hash ``id_hash`` may see it (see ``_may_see_sql``); one indexed read."""
    qn = connection.ops.quote_name
    bt, vt = qn(Booking._meta.db_table), qn(Voucher._meta.db_table)
    sql = (
        f"SELECT b.id, b.number, b.status, b.neighborhood_id, b.household_id, v.number, {_may_see_sql('b')} "
        f"FROM {bt} b LEFT JOIN {vt} v ON v.booking_id = b.id WHERE b.round_id = %s AND b.address_key = %s "
        f"LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [id_hash, id_hash, round_id, key])
        row = cursor.fetchone()
    if row is None:
        return None
    result = BookingResult(
        id=row[0],
        number=row[1],
        status=row[2],
        created=False,
        neighborhood_id=row[3],
        unregistered=row[4] is None,
        voucher_number=row[5] or "",
    )
    return result, bool(row[6]) and bool(id_hash)


def _insert_booking(booking: Booking) -> bool:
    """INSERT the booking; False when the database says the household (or address) already booked."""
    for _attempt in range(3):
        try:
            with _savepoint_if_atomic():
                booking.save(force_insert=True)
            return True
        except IntegrityError:
            if Booking.objects.filter(round_id=booking.round_id, address_key=booking.address_key).exists():
                return False
            if (
                booking.household_id
                and Booking.objects.filter(
                    round_id=booking.round_id, household_id=booking.household_id
                ).exists()
            ):
                return False
            booking.number = new_number()  # a number collision: draw another
            booking.pk = None
    raise ValidationError(_("预约编号生成失败，请重试。"), code="number")


_INSERT_COLUMNS: tuple[Any, ...] = ()
_SQL: dict[tuple[str, int], str] = {}


def _booking_columns() -> tuple[Any, ...]:
    """The booking columns the public INSERT writes. Built whole and then published in one assignment, so
    threads that race on the first request all see the complete tuple."""
    global _INSERT_COLUMNS
    if not _INSERT_COLUMNS:
        skip = {"id", "household", "status"}
        _INSERT_COLUMNS = tuple(f for f in Booking._meta.concrete_fields if f.name not in skip)
    return _INSERT_COLUMNS


def _public_sql(vendor: str, n_keys: int) -> str:
    """The booking statement for a backend and a number of rate-limit keys (built once per process)."""
    sql = _SQL.get((vendor, n_keys))
    if sql is not None:
        return sql
    from fangkong.registry.models import Household

    qn = connection.ops.quote_name
    cols = _booking_columns()
    col_sql = ", ".join(qn(f.column) for f in cols)
    hh = qn(Household._meta.db_table)
    table = qn(Booking._meta.db_table)
    select = (
        f"SELECT {', '.join(['%s'] * len(cols))}, h.id, "
        f"CASE WHEN h.id IS NULL THEN %s ELSE %s END "
        f"FROM (SELECT 1 AS one) AS o LEFT JOIN {hh} h ON h.building_id = %s AND h.room = %s"
    )
    insert = (
        f"INSERT INTO {table} ({col_sql}, {qn('household_id')}, {qn('status')}) {select} "
        f"WHERE {{guard}} ON CONFLICT DO NOTHING RETURNING id, household_id, status"
    )
    if vendor == "postgresql" and n_keys:
        from fangkong.core.models import RateCounter

        rate_table = qn(RateCounter._meta.db_table)
        rate_values = ", ".join(["(%s, %s, 1)"] * n_keys)
        over = " OR ".join(["(rl.key = %s AND rl.hits > %s)"] * n_keys)
        guarded = insert.replace("{guard}", f"NOT EXISTS (SELECT 1 FROM rl WHERE {over})")
        # one answer row in every case: the new booking (kind 0); or (kind 1) the keys over their limit, else
        # the booking already made for the address if this statement's snapshot sees it, with whether the
        # booker may see it (the same ID, or a registered member of the household)
        bt, vt = qn(Booking._meta.db_table), qn(Voucher._meta.db_table)
        sql = (
            f"WITH rl AS (INSERT INTO {rate_table} (key, win, hits) VALUES {rate_values} "
            f"ON CONFLICT (key) DO UPDATE SET hits = CASE WHEN {rate_table}.win = excluded.win "
            f"THEN {rate_table}.hits + 1 ELSE 1 END, win = excluded.win RETURNING key, hits), "
            f"ins AS ({guarded}), "
            f"lim AS (SELECT string_agg(rl.key, ' ') AS keys FROM rl WHERE {over}) "
            f"SELECT 0, ins.id, ins.household_id, ins.status, NULL, NULL, NULL, NULL, NULL FROM ins "
            f"UNION ALL SELECT 1, b.id, b.household_id, b.status, b.number, b.neighborhood_id, v.number, lim.keys, "
            f"{_may_see_sql('b')} FROM lim LEFT JOIN {bt} b ON lim.keys IS NULL AND b.round_id = %s AND b.address_key = %s "
            f"LEFT JOIN {vt} v ON v.booking_id = b.id WHERE NOT EXISTS (SELECT 1 FROM ins)"
        )
    else:
        sql = insert.replace("{guard}", "1 = 1")
    _SQL[(vendor, n_keys)] = sql
    return sql


def _insert_public(
    row: dict[str, Any], keys: Sequence[tuple[str, int]], *, limit: ratelimit.Limit
) -> tuple[tuple[int, int | None, str] | None, tuple[BookingResult, bool] | None]:
    """The lean booking write: count the rate-limit hit, match the registry household and INSERT the booking,
    with uniqueness left to the database (ON CONFLICT DO NOTHING). ``row`` holds the booking's column values
    by attribute name (``created_at`` also stamps ``updated_at``). Returns ((id, household id, status) of the
    new row, None), or (None, (the booking the address already has, whether this booker may see it)) when
    known. On PostgreSQL this is one
    statement (the counter update is a data-modifying CTE, and a repeat reads the existing booking in the same
    statement), one round trip and one durable commit; elsewhere it is two statements in one transaction.
    ``keys`` are the rate limiter's (counter key, limit) pairs of endpoint "masks.book". Raises RateLimited
    when a key is over its limit."""
    stamp = connection.ops.adapt_datetimefield_value(row["created_at"])
    values = [
        stamp if f.attname in ("created_at", "updated_at") else row[f.attname] for f in _booking_columns()
    ]
    params: list[Any] = [
        *values,
        BookingStatus.REVIEW.value,
        BookingStatus.WAITING.value,
        row["building_id"],
        row["room"],
    ]
    vendor = connection.vendor
    now = time.time()
    win = ratelimit.window_start(limit, now)
    if vendor == "postgresql" and keys:
        sql = _public_sql(vendor, len(keys))
        rate_params: list[Any] = []
        for key, _most in keys:
            rate_params += [key, win]
        over_params: list[Any] = [x for pair in keys for x in pair]
        answer = _execute_prepared(
            sql,
            rate_params
            + params
            + over_params
            + over_params
            + [row["id_number_hash"], row["id_number_hash"], row["round_id"], row["address_key"]],
        )
        kind, bid, household_id, status, number, hood_id, voucher, limited, may_see = answer
        if kind == 0:
            return (bid, household_id, status), None
        if limited:
            over = set(limited.split(" "))
            key = next(k for k, _most in keys if k in over)
            raise ratelimit.error(limit, key, now)
        if bid is None:
            return None, None
        existing = BookingResult(
            id=bid,
            number=number,
            status=status,
            created=False,
            neighborhood_id=hood_id,
            unregistered=household_id is None,
            voucher_number=voucher or "",
        )
        return None, (existing, bool(may_see))
    with transaction.atomic():
        ratelimit.count(limit, keys, now=now)
        with connection.cursor() as cursor:
            cursor.execute(_public_sql(vendor, 0), params)
            return cursor.fetchone(), None


def book_public(
    *,
    round_id: int,
    name: str,
    id_number: str,
    phone: str,
    building_id: int,
    room: str,
    client_ip: str = "",
    channel: str = Channel.PUBLIC,
    actor: Any = None,
) -> BookingResult:
    """A resident books for their household. Idempotent for the booker: the same person, or a member of the
    household registered in the registry, gets the existing booking back; anyone else is refused with
    AddressBooked, which tells nothing about that booking."""
    now = timezone.now()
    info = _check_window(caches.round_info(int(round_id)), now)
    name, id_value, phone_value = _validate_person(name, id_number, phone, fast=True)
    room_value = normalize_room(room)
    if not room_value or len(room_value) > 20:
        raise ValidationError({"room": [_("请填写室号，例如 101。")]})
    book = caches.address_book(info.subdistrict_id)
    try:
        building_id = int(building_id)
        compound_id, hood_id = book.building_home[building_id]
    except (KeyError, TypeError, ValueError):
        raise ValidationError({"building": [_("所选楼栋不存在，请重新选择地址。")]})
    id_sealed, phone_sealed = fastcheck.sealed_pair(id_value, phone_value)
    address = f"{building_id}:{room_value}"
    row: dict[str, Any] = {
        "subdistrict_id": info.subdistrict_id,
        "created_at": now,
        "version": 1,
        "round_id": info.id,
        "number": new_number(),
        "neighborhood_id": hood_id,
        "building_id": building_id,
        "room": room_value,
        "address_key": address,
        "name": name,
        "id_number_enc": id_sealed.enc,
        "id_number_hash": id_sealed.hash,
        "id_number_masked": id_sealed.masked,
        "phone_enc": phone_sealed.enc,
        "phone_hash": phone_sealed.hash,
        "phone_masked": phone_sealed.masked,
        "channel": str(channel),
        "draw_rank": None,
    }
    limit = ratelimit.limit_for("masks.book")
    keys = ratelimit.keys_for(limit, ip=client_ip, key=id_sealed.hash)
    for _attempt in range(3):
        inserted, existing = _insert_public(row, keys, limit=limit)
        if inserted is not None:
            break
        if existing is None:  # e.g. booked by a transaction that committed after the statement began
            existing = _existing(info.id, address, id_sealed.hash)
        if existing is not None:
            found, may_see = existing
            if not may_see:
                raise AddressBooked()
            return found
        row["number"] = new_number()  # a number collision: draw another
    else:  # pragma: no cover
        raise ValidationError(_("预约编号生成失败，请重试。"), code="number")
    booking_id, household_id, status = inserted
    voucher = ""
    if household_id and info.mode == AllocationMode.ORDER:
        voucher = try_allocate_one(info, booking_id, row["number"], hood_id)
    return BookingResult(
        id=booking_id,
        number=row["number"],
        status=BookingStatus.ALLOCATED if voucher else status,
        created=True,
        neighborhood_id=hood_id,
        unregistered=household_id is None,
        voucher_number=voucher,
    )


@transaction.atomic
def book_at_desk(
    *,
    actor: Any,
    mask_round: MaskRound,
    household: Any,
    resident: Any = None,
    name: str = "",
    id_number: str = "",
    phone: str = "",
) -> BookingResult:
    """Committee staff book for a registry household (picking one of its residents, or typing the person)."""
    _require_neighborhood(actor, household.subdistrict_id, household.neighborhood_id)
    if household.subdistrict_id != mask_round.subdistrict_id:
        raise ValidationError(_("该住户不属于本轮次所在街道。"), code="household")
    now = timezone.now()
    info = _check_window(caches.round_info(mask_round.pk), now)
    if resident is not None:
        if resident.household_id != household.pk:
            raise ValidationError(_("该居民不属于这一住户。"), code="resident")
        personal = {
            "name": resident.name,
            "id_number_enc": resident.id_number_enc,
            "id_number_hash": resident.id_number_hash,
            "id_number_masked": resident.id_number_masked,
            "phone_enc": resident.phone_enc,
            "phone_hash": resident.phone_hash,
            "phone_masked": resident.phone_masked,
        }
    else:
        name, id_value, phone_value = _validate_person(name, id_number, phone)
        personal = {"name": name}
        personal.update(crypto.personal_columns("id_number", id_value))
        personal.update(crypto.personal_columns("phone", phone_value, kind="phone"))
    room_value = normalize_room(household.room)
    booking = Booking(
        subdistrict_id=mask_round.subdistrict_id,
        round=mask_round,
        number=new_number(),
        neighborhood_id=household.neighborhood_id,
        building_id=household.building_id,
        room=room_value,
        address_key=f"{household.building_id}:{room_value}",
        household=household,
        channel=Channel.DESK,
        status=BookingStatus.WAITING,
        **personal,
    )
    if not _insert_booking(booking):  # staff of the household's neighborhood see its booking
        existing = _existing(mask_round.pk, booking.address_key)
        if existing is None:
            existing_row = Booking.objects.filter(round=mask_round, household=household).first()
            if existing_row is None:  # pragma: no cover
                raise ValidationError(_("预约冲突，请重试。"), code="conflict")
            existing = _existing(mask_round.pk, existing_row.address_key)
        assert existing is not None
        return existing[0]
    audit.record(actor=actor, action=AuditAction.CREATE, obj=booking, changes=audit.snapshot(booking))
    voucher = ""
    if info.mode == AllocationMode.ORDER:
        voucher = try_allocate_one(info, booking.pk, booking.number, household.neighborhood_id)
    return BookingResult(
        id=booking.pk,
        number=booking.number,
        status=BookingStatus.ALLOCATED if voucher else booking.status,
        created=True,
        neighborhood_id=household.neighborhood_id,
        unregistered=False,
        voucher_number=voucher,
    )


@transaction.atomic
def review_booking(*, actor: Any, booking: Booking, approve: bool, household: Any = None) -> Booking:
    """Staff decide on an unregistered household's booking: approve (optionally linking a household) or
    reject."""
    _require_neighborhood(actor, booking.subdistrict_id, booking.neighborhood_id)
    current = Booking.objects.select_for_update().get(pk=booking.pk)
    if current.status != BookingStatus.REVIEW:
        raise ValidationError(_("该预约不在待审核状态。"), code="status")
    if household is not None:
        if (
            household.building_id != current.building_id
            or household.neighborhood_id != current.neighborhood_id
        ):
            raise ValidationError(_("所选住户与预约地址不符。"), code="household")
        current.household = household
    current.status = BookingStatus.WAITING if approve else BookingStatus.REJECTED
    try:
        with transaction.atomic():
            core_services.update_object(
                actor=actor, obj=current, note=_("审核通过") if approve else _("审核不通过")
            )
    except IntegrityError:
        raise ValidationError(_("该住户本轮已有其他预约。"), code="duplicate")
    if approve:
        rnd = current.round
        allocate_waiting(actor=actor, mask_round=rnd, neighborhood_id=current.neighborhood_id)
    current.refresh_from_db()
    return current


# --------------------------------------------------------------------------------------------------- pickup


def booker_confirmed(booking: Booking, raw: str) -> bool:
    """Whether ``raw`` (the booker's ID as scanned or typed, or its last 4 characters) is the booker's ID."""
    value = "".join(str(raw or "").split()).upper()
    if not value or not booking.id_number_hash:
        return False
    if len(value) == 4:
        return booking.id_number_masked[-4:].upper() == value
    try:
        value = check_resident_id(value).value
    except ValidationError:
        pass  # another document type: compared as typed
    return hmac.compare_digest(crypto.lookup_hash("id_number", value), booking.id_number_hash)


def normalize_voucher(raw: str) -> str:
    value = "".join(str(raw or "").split()).upper()
    if "/" in value:  # a scanned QR holds the voucher page URL
        value = value.rstrip("/").rsplit("/", 1)[-1]
    return value


@transaction.atomic
def collect_voucher(
    *,
    actor: Any,
    number: str,
    round_id: int,
    id_check: str,
    site_id: int | None = None,
    now: dt.datetime | None = None,
) -> Voucher:
    """Mark a voucher collected at a site once staff have confirmed the booker: ``id_check`` is the booker's
    ID as scanned or typed, or its last 4 characters (a voucher number alone collects nothing). Refuses a
    second pickup (with the time of the first), a voucher of another round, the wrong site and an expired or
    forfeited voucher."""
    now = now or timezone.now()
    value = normalize_voucher(number)
    if not value:
        raise ValidationError(_("请输入或扫描领取凭证号。"), code="required")
    voucher = (
        Voucher.objects.editable_by(actor)
        .select_for_update(of=("self",))
        .select_related("round", "site", "booking")
        .filter(number=value)
        .first()
    )
    if voucher is None:
        raise ValidationError(_("未找到领取凭证 %(n)s。") % {"n": value}, code="unknown")
    if voucher.round_id != int(round_id):
        raise ValidationError(
            _("该凭证属于「%(r)s」，不是本轮次的凭证。") % {"r": voucher.round.name}, code="round"
        )
    if not str(id_check or "").strip():
        raise ValidationError(
            _("请核对预约人身份：扫描或输入预约人身份证号，或输入其后4位。"), code="id_required"
        )
    if not booker_confirmed(voucher.booking, id_check):
        raise ValidationError(
            _("证件与预约人不符，不能领取：请核对预约人本人的身份证（或后4位）。"), code="id_mismatch"
        )
    if site_id and voucher.site_id and voucher.site_id != int(site_id):
        raise ValidationError(
            _("该凭证应在「%(s)s」领取，不能在本领取点核销。")
            % {"s": voucher.site.name if voucher.site else ""},
            code="site",
        )
    if voucher.status == VoucherStatus.COLLECTED:
        raise ValidationError(
            _("该凭证已于 %(t)s 领取，不能重复领取。") % {"t": _fmt(voucher.collected_at)},  # type: ignore[arg-type]
            code="collected",
        )
    if voucher.status == VoucherStatus.FORFEITED or voucher.expires_at <= now:
        raise ValidationError(
            _("该凭证已过领取截止时间（%(t)s），已作废。") % {"t": _fmt(voucher.expires_at)}, code="expired"
        )
    updated = Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.ISSUED).update(
        status=VoucherStatus.COLLECTED, collected_at=now, collected_by=actor, version=F("version") + 1
    )
    if updated != 1:  # pragma: no cover - another desk won the race; report its time
        voucher.refresh_from_db()
        raise ValidationError(
            _("该凭证已于 %(t)s 领取，不能重复领取。") % {"t": _fmt(voucher.collected_at)},  # type: ignore[arg-type]
            code="collected",
        )
    Booking.objects.filter(pk=voucher.booking_id).update(status=BookingStatus.COLLECTED)
    ledger(
        voucher.round_id,
        voucher.subdistrict_id,
        voucher.neighborhood_id,
        LedgerKind.COLLECTED,
        voucher.quantity,
        voucher=voucher,
        site_id=voucher.site_id,
    ).save()
    voucher.refresh_from_db()
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=voucher, note=_("核销领取"))
    return voucher


@transaction.atomic
def forfeit_expired(*, actor: Any, mask_round: MaskRound, now: dt.datetime | None = None) -> dict[str, int]:
    """Forfeit vouchers not collected by their deadline; their masks go back on hand and the waiting list is
    served from them."""
    now = now or timezone.now()
    due = list(
        Voucher.objects.select_for_update()
        .filter(round=mask_round, status=VoucherStatus.ISSUED, expires_at__lte=now)
        .values_list("id", "booking_id", "neighborhood_id", "quantity", "site_id")
    )
    if not due:
        reallocated = allocate_waiting(actor=actor, mask_round=mask_round)
        return {"forfeited": 0, "reallocated": reallocated}
    Voucher.objects.filter(pk__in=[d[0] for d in due]).update(
        status=VoucherStatus.FORFEITED, version=F("version") + 1
    )
    Booking.objects.filter(pk__in=[d[1] for d in due]).update(status=BookingStatus.FORFEITED)
    per_hood: dict[int, int] = defaultdict(int)
    entries = []
    for vid, _bid, hood, qty, site_id in due:
        per_hood[hood] += qty
        entries.append(
            ledger(
                mask_round.pk,
                mask_round.subdistrict_id,
                hood,
                LedgerKind.FORFEITED,
                qty,
                voucher_id=vid,
                site_id=site_id,
            )
        )
    LedgerEntry.objects.bulk_create(entries)
    for hood, qty in per_hood.items():
        balance = locked_balance(mask_round, hood)
        StockBalance.objects.filter(pk=balance.pk).update(balance=F("balance") + qty)
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=mask_round,
        note="forfeited uncollected vouchers",
        changes={"vouchers": len(due), "masks": sum(per_hood.values())},
    )
    caches.forget("stock")
    reallocated = 0
    for hood in sorted(per_hood):
        reallocated += allocate_waiting(actor=actor, mask_round=mask_round, neighborhood_id=hood)
    return {"forfeited": len(due), "reallocated": reallocated}


@transaction.atomic
def finish_round(*, actor: Any, mask_round: MaskRound, now: dt.datetime | None = None) -> MaskRound:
    """Mark a round finished once its pickup deadline has passed and no voucher is outstanding: overdue
    vouchers must have been forfeited first (their masks went back to the waiting list), and a lottery round
    must have been drawn. Households still waiting stay on the record; nothing can be received or allocated
    in the round afterwards."""
    _require_manage(actor, mask_round.subdistrict_id)
    now = now or timezone.now()
    rnd = MaskRound.objects.select_for_update().get(pk=mask_round.pk)
    if rnd.status == RoundStatus.FINISHED:
        raise ValidationError(_("本轮已结束。"), code="finished")
    if now < rnd.pickup_ends_at:
        raise ValidationError(
            _("领取截止时间（%(t)s）之前不能结束本轮。") % {"t": _fmt(rnd.pickup_ends_at)}, code="pickup_open"
        )
    if rnd.mode == AllocationMode.LOTTERY and rnd.lottery_drawn_at is None:
        if Booking.objects.filter(round=rnd, status=BookingStatus.WAITING).exists():
            raise ValidationError(_("本轮尚未摇号，请先摇号。"), code="not_drawn")
    issued = Voucher.objects.filter(round=rnd, status=VoucherStatus.ISSUED)
    overdue = issued.filter(expires_at__lte=now).count()
    if overdue:
        raise ValidationError(
            _("还有 %(n)d 张逾期凭证未作废，请先作废逾期凭证。") % {"n": overdue}, code="forfeit_first"
        )
    latest = issued.order_by("-expires_at").values_list("expires_at", flat=True).first()
    if latest is not None:
        raise ValidationError(
            _("还有 %(n)d 张凭证在领取期内（最晚 %(t)s），到期后才能结束本轮。")
            % {"n": issued.count(), "t": _fmt(latest)},
            code="vouchers_open",
        )
    rnd.status = RoundStatus.FINISHED
    if rnd.closes_at > now:  # pragma: no cover - the pickup deadline is never before the booking window ends
        rnd.closes_at = max(now, rnd.opens_at + dt.timedelta(seconds=1))
    core_services.update_object(actor=actor, obj=rnd, note=_("结束本轮"))
    _forget_round(rnd.pk)
    mask_round.refresh_from_db()
    return rnd


# ---------------------------------------------------------------------------------------------------- reads


def booking_token(number: str) -> str:
    """The secret of a booking's own page (given only to its booker): a keyed hash of the booking number,
    so nothing is stored and a repeat by the same booker can be given the same link."""
    return salted_hmac("fangkong.masks.booking-link", number).hexdigest()[:32]


def booking_by_token(number: str, token: str) -> Booking | None:
    """The booking whose own-page link is (number, token), or None."""
    if not hmac.compare_digest(booking_token(str(number)), str(token)):
        return None
    return (
        Booking.objects.select_related("round", "building__compound", "neighborhood")
        .filter(number=number)
        .first()
    )


def queue_place(booking: Booking) -> int | None:
    """A waiting booking's place in its neighborhood's queue (1 is served next), or None when it has none
    (not waiting, or a lottery round not yet drawn)."""
    if booking.status != BookingStatus.WAITING:
        return None
    waiting = Booking.objects.filter(
        round_id=booking.round_id, neighborhood_id=booking.neighborhood_id, status=BookingStatus.WAITING
    )
    if booking.draw_rank is not None:
        ahead = waiting.filter(
            Q(draw_rank__lt=booking.draw_rank) | Q(draw_rank=booking.draw_rank, id__lt=booking.pk)
        )
    elif booking.round.mode == AllocationMode.LOTTERY:
        return None
    else:
        ahead = waiting.filter(id__lt=booking.pk)
    return ahead.count() + 1


def booker_of(booking: Booking, *, id_number: str, phone: str) -> bool:
    """The lookup rule: both the booker's ID number and phone match the booking."""
    try:
        id_value = check_resident_id(id_number).value
        phone_value = validate_mobile(phone)
    except ValidationError:
        return False
    return hmac.compare_digest(
        crypto.lookup_hash("id_number", id_value), booking.id_number_hash
    ) and hmac.compare_digest(crypto.lookup_hash("phone", phone_value), booking.phone_hash)


def find_booking(*, round_id: int, id_number: str, phone: str) -> Booking | None:
    """The lookup page: a booking by ID number plus phone (both must match)."""
    try:
        id_value = check_resident_id(id_number).value
        phone_value = validate_mobile(phone)
    except ValidationError:
        return None
    return (
        Booking.objects.select_related("round", "building__compound", "neighborhood")
        .filter(
            round_id=round_id,
            id_number_hash=crypto.lookup_hash("id_number", id_value),
            phone_hash=crypto.lookup_hash("phone", phone_value),
        )
        .order_by("id")
        .first()
    )


def reconcile(rnd: MaskRound, neighborhood_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Per neighborhood: received − returned = outstanding + collected + balance, and the balance row equals
    the ledger. Each row carries ``ok``."""
    from fangkong.registry.models import Neighborhood

    ledger = LedgerEntry.objects.filter(round=rnd)
    vouchers = Voucher.objects.filter(round=rnd)
    balances = StockBalance.objects.filter(round=rnd)
    hoods = Neighborhood.objects.filter(subdistrict_id=rnd.subdistrict_id)
    if neighborhood_ids is not None:
        ids = list(neighborhood_ids)
        ledger, vouchers, balances, hoods = (
            ledger.filter(neighborhood_id__in=ids),
            vouchers.filter(neighborhood_id__in=ids),
            balances.filter(neighborhood_id__in=ids),
            hoods.filter(pk__in=ids),
        )
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for hood, kind, qty in ledger.values_list("neighborhood_id", "kind").annotate(q=Sum("quantity")):
        sums[hood][kind] = qty or 0
    held: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for hood, status, qty in vouchers.values_list("neighborhood_id", "status").annotate(q=Sum("quantity")):
        held[hood][status] = qty or 0
    bal = dict(balances.values_list("neighborhood_id", "balance"))
    rows = []
    for hood_id, hood_name in hoods.order_by("code", "name").values_list("id", "name"):
        s, h = sums[hood_id], held[hood_id]
        if not s and not h and hood_id not in bal:
            continue
        received, returned = s[LedgerKind.RECEIVED], s[LedgerKind.RETURNED]
        allocated, forfeited, collected = (
            s[LedgerKind.ALLOCATED],
            s[LedgerKind.FORFEITED],
            s[LedgerKind.COLLECTED],
        )
        outstanding = h[VoucherStatus.ISSUED]
        balance = bal.get(hood_id, 0)
        ledger_balance = sum(BALANCE_SIGN[k] * v for k, v in s.items())
        checks = {
            "balance_matches_ledger": balance == ledger_balance,
            "stock_accounted": received - returned == outstanding + collected + balance,
            "vouchers_match_ledger": allocated - forfeited == outstanding + h[VoucherStatus.COLLECTED],
            "collected_matches": collected == h[VoucherStatus.COLLECTED],
            "not_negative": balance >= 0,
        }
        rows.append(
            {
                "neighborhood_id": hood_id,
                "neighborhood": hood_name,
                "received": received,
                "returned": returned,
                "allocated": allocated,
                "forfeited": forfeited,
                "collected": collected,
                "outstanding": outstanding,
                "balance": balance,
                "checks": checks,
                "ok": all(checks.values()),
            }
        )
    return rows


def reconcile_sites(rnd: MaskRound, neighborhood_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Per pickup site (and a row for movements with no site): received at the site, allocated to it,
    forfeited back, collected there, outstanding vouchers, and the slot capacity. Checks that allocated −
    forfeited = outstanding + collected in vouchers, that the ledger's collections equal the vouchers
    collected, and that every slot holds exactly its issued vouchers within its capacity."""
    ledger = LedgerEntry.objects.filter(round=rnd)
    vouchers = Voucher.objects.filter(round=rnd)
    sites = PickupSite.objects.filter(round=rnd).select_related("neighborhood")
    slots = PickupSlot.objects.filter(site__round=rnd)
    if neighborhood_ids is not None:
        ids = list(neighborhood_ids)
        ledger, vouchers = ledger.filter(neighborhood_id__in=ids), vouchers.filter(neighborhood_id__in=ids)
        sites, slots = sites.filter(neighborhood_id__in=ids), slots.filter(site__neighborhood_id__in=ids)
    sums: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for site_id, kind, qty in ledger.values_list("site_id", "kind").annotate(q=Sum("quantity")).order_by():
        sums[site_id][kind] += qty or 0
    held: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for site_id, status, qty in (
        vouchers.values_list("site_id", "status").annotate(q=Sum("quantity")).order_by()
    ):
        held[site_id][status] += qty or 0
    per_slot = dict(
        vouchers.filter(slot__isnull=False).values_list("slot_id").annotate(n=Count("id")).order_by()
    )
    capacity: dict[int, int] = defaultdict(int)
    slots_ok: dict[int, bool] = defaultdict(lambda: True)
    for slot_id, site_id, cap, issued in slots.values_list("id", "site_id", "capacity", "issued"):
        capacity[site_id] += cap
        if not (issued <= cap and per_slot.get(slot_id, 0) == issued):
            slots_ok[site_id] = False
    entries: list[tuple[int | None, str, int | None, str]] = [
        (s.pk, s.name, s.neighborhood_id, s.neighborhood.name)
        for s in sites.order_by("neighborhood__code", "id")
    ]
    if sums.get(None) or held.get(None):
        entries.append((None, str(_("未指定领取点")), None, ""))
    rows = []
    for site_id, name, hood_id, hood_name in entries:
        s, h = sums[site_id], held[site_id]
        allocated, forfeited, collected = (
            s[LedgerKind.ALLOCATED],
            s[LedgerKind.FORFEITED],
            s[LedgerKind.COLLECTED],
        )
        outstanding = h[VoucherStatus.ISSUED]
        checks = {
            "vouchers_match_ledger": allocated - forfeited == outstanding + h[VoucherStatus.COLLECTED],
            "collected_matches": collected == h[VoucherStatus.COLLECTED],
            "slots_within_capacity": slots_ok[site_id] if site_id is not None else True,
        }
        rows.append(
            {
                "site_id": site_id,
                "site": name,
                "neighborhood_id": hood_id,
                "neighborhood": hood_name,
                "received": s[LedgerKind.RECEIVED],
                "allocated": allocated,
                "forfeited": forfeited,
                "collected": collected,
                "outstanding": outstanding,
                "capacity": capacity.get(site_id, 0) if site_id is not None else 0,
                "checks": checks,
                "ok": all(checks.values()),
            }
        )
    return rows


def ensure_open(rnd: MaskRound) -> None:
    _check_window(caches.round_info(rnd.pk), timezone.now())

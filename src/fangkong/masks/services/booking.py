"""Booking: the public booking, the desk booking, the review of an unregistered household, and reading a
booking back.

The public booking path is lean on purpose: the round and the address tree come from short per-process
caches, the client is counted against the core rate limiter's fixed windows in the same statement as the
booking itself, which is
one INSERT whose uniqueness the database enforces. A duplicate (a double submit, or a second member of the
household) makes that INSERT fail; the existing booking is then read and returned, the same booking number.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import audit, crypto, personal, ratelimit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.core.validators import check_resident_id, validate_mobile, validate_name
from fangkong.masks import access, caches
from fangkong.masks.choices import AllocationMode, BookingStatus, Channel, RoundStatus
from fangkong.masks.models import Booking, MaskRound, Voucher
from fangkong.masks.numbers import fmt_time, new_number, normalize_room
from fangkong.masks.services.allocation import allocate_waiting, try_allocate_one
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


@contextmanager
def _savepoint_if_atomic() -> Iterator[None]:
    """A savepoint inside a transaction; nothing in autocommit (one statement is atomic by itself)."""
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
    else:
        yield


# -------------------------------------------------------------------------------------------------- booking


def _validate_person(name: str, id_number: str, phone: str, *, cached: bool = False) -> tuple[str, str, str]:
    """Name, resident ID and mobile, all checked; ``cached`` uses core.personal's cached variants (the same
    answers)."""
    errors: dict[str, list[str]] = {}
    try:
        name = validate_name(name)
    except ValidationError as exc:
        errors["name"] = exc.messages
    try:
        id_value = (
            personal.check_resident_id_cached(id_number).value
            if cached
            else check_resident_id(id_number).value
        )
    except ValidationError as exc:
        errors["id_number"] = exc.messages
        id_value = ""
    try:
        phone_value = personal.validate_mobile_cached(phone) if cached else validate_mobile(phone)
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
        raise ValidationError(_("本轮预约已截止（%(t)s）。") % {"t": fmt_time(info.closes_at)}, code="closed")
    if now < info.opens_at:
        raise ValidationError(
            _("本轮预约尚未开始，开始时间 %(t)s。") % {"t": fmt_time(info.opens_at)}, code="not_open"
        )
    return info


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
        over = ratelimit.over_sql(n_keys)
        guarded = insert.replace("{guard}", f"NOT EXISTS (SELECT 1 FROM rl WHERE {over})")
        # one answer row in every case: the new booking (kind 0); or (kind 1) the keys over their limit, else
        # the booking already made for the address if this statement's snapshot sees it, with whether the
        # booker may see it (the same ID, or a registered member of the household)
        bt, vt = qn(Booking._meta.db_table), qn(Voucher._meta.db_table)
        sql = (
            f"WITH rl AS ({ratelimit.counter_sql(n_keys)}), "
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
        rate_params = ratelimit.counter_params(keys, win)
        over_params = ratelimit.over_params(keys)
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
            raise ratelimit.over_error(limit, keys, limited, now)
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
    name, id_value, phone_value = _validate_person(name, id_number, phone, cached=True)
    room_value = normalize_room(room)
    if not room_value or len(room_value) > 20:
        raise ValidationError({"room": [_("请填写室号，例如 101。")]})
    book = caches.address_book(info.subdistrict_id)
    try:
        building_id = int(building_id)
        compound_id, hood_id = book.building_home[building_id]
    except (KeyError, TypeError, ValueError):
        raise ValidationError({"building": [_("所选楼栋不存在，请重新选择地址。")]})
    id_sealed, phone_sealed = personal.seal_all(
        [(personal.ID_NUMBER, id_value), (personal.PHONE, phone_value)]
    )
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


@transaction.atomic(durable=True)
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
    access.require_neighborhood(actor, household.subdistrict_id, household.neighborhood_id)
    if household.subdistrict_id != mask_round.subdistrict_id:
        raise ValidationError(_("该住户不属于本轮次所在街道。"), code="household")
    now = timezone.now()
    info = _check_window(caches.round_info(mask_round.pk), now)
    if resident is not None:
        if resident.household_id != household.pk:
            raise ValidationError(_("该居民不属于这一住户。"), code="resident")
        personal_values = {
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
        personal_values = {"name": name}
        personal_values.update(personal.columns("id_number", id_value, kind=personal.ID_NUMBER))
        personal_values.update(personal.columns("phone", phone_value, kind=personal.PHONE))
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
        **personal_values,
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


@transaction.atomic(durable=True)
def review_booking(*, actor: Any, booking: Booking, approve: bool, household: Any = None) -> Booking:
    """Staff decide on an unregistered household's booking: approve (optionally linking a household) or
    reject."""
    access.require_neighborhood(actor, booking.subdistrict_id, booking.neighborhood_id)
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


def ensure_open(rnd: MaskRound) -> None:
    _check_window(caches.round_info(rnd.pk), timezone.now())

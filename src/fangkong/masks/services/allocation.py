"""Allocation: a waiting household's voucher, from its neighborhood's stock on hand.

Three paths write a voucher, and they share the rules below:

- the batch (``allocate_waiting``): a stock batch, a forfeit, an approved review or a lottery draw serves the
  waiting list of a neighborhood in one transaction, with the balance row and the slots locked;
- the inline ORM path (``_allocate_one_orm``, SQLite): a just-booked household is served at once, claiming
  its booking, the stock and a slot with conditional UPDATEs;
- the inline statement (``_allocate_sql``, PostgreSQL): the same as one statement.

The rules, whichever path runs:

- **order**: households in booking order (draw order after a lottery), each taking ``masks_per_household``
  while the balance covers it;
- **still waiting**: only a booking that is still WAITING is served (``claim_waiting``); an inline
  allocation that finds its booking served already answers that voucher;
- **slot order**: the earliest pickup slot of the neighborhood's sites that has room and has not ended
  (``SLOT_ORDER``), else the neighborhood's first site (lowest id) without a slot, else no site;
- **expiry**: the slot's end, or the round's pickup deadline; if that is within ``REPICKUP_SOON``, the
  household gets ``REPICKUP_DAYS`` from now (``voucher_expiry``);
- **ledger**: one ALLOCATED entry per voucher with its quantity and site;
- **notification**: one ``VOUCHER_NOTE`` message per voucher, to the household (no account), in its
  neighborhood, held back by quiet hours like every non-urgent message (``voucher_message``).

``tests/test_allocation_paths.py`` runs the three paths on the same stock, slots and bookings and checks that
they write the same vouchers, slots, expiry, ledger and notifications.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.models import Notification
from fangkong.core.notify import announce, deliver_after, notify
from fangkong.masks import access, caches
from fangkong.masks.choices import AllocationMode, BookingStatus, LedgerKind, RoundStatus, VoucherStatus
from fangkong.masks.models import (
    Booking,
    LedgerEntry,
    MaskRound,
    PickupSite,
    PickupSlot,
    StockBalance,
    Voucher,
)
from fangkong.masks.numbers import new_number
from fangkong.masks.statements import execute_prepared

REPICKUP_DAYS = 2
REPICKUP_SOON = dt.timedelta(hours=1)
VOUCHER_NOTE = "mask_voucher"  # the notification kind of a voucher
SLOT_ORDER = ("starts_at", "id")  # the order in which a neighborhood's pickup slots are offered


# ------------------------------------------------------------------------------------------------- the rules


def voucher_expiry(
    pickup_ends_at: dt.datetime, slot_end: dt.datetime | None, now: dt.datetime
) -> dt.datetime:
    """When a voucher given at ``now`` for a slot ending at ``slot_end`` (None: no slot) expires."""
    expires = slot_end or pickup_ends_at
    if expires <= now + REPICKUP_SOON:
        expires = now + dt.timedelta(days=REPICKUP_DAYS)
    return expires


def voucher_message(voucher_number: str, booking_number: str, quantity: int) -> tuple[str, str]:
    """The subject and body of the household's voucher message."""
    subject = _("口罩预约已分配：凭证 %(v)s") % {"v": voucher_number}
    body = _("预约编号 %(b)s 已分配口罩 %(n)d 只，请凭领取凭证 %(v)s 在规定时间内到指定地点领取。") % {
        "b": booking_number,
        "n": quantity,
        "v": voucher_number,
    }
    return subject, body


def offered_slots(round_id: int, neighborhood_id: int) -> QuerySet[PickupSlot]:
    """The pickup slots of the neighborhood's sites that have room, in the order they are offered (the caller
    leaves out those that have ended)."""
    return PickupSlot.objects.filter(
        site__round_id=round_id, site__neighborhood_id=neighborhood_id, issued__lt=F("capacity")
    ).order_by(*SLOT_ORDER)


def site_ids(round_id: int, neighborhood_id: int) -> list[int]:
    """The neighborhood's pickup sites, first (the one a voucher without a slot names) first."""
    return list(
        PickupSite.objects.filter(round_id=round_id, neighborhood_id=neighborhood_id)
        .order_by("id")
        .values_list("id", flat=True)
    )


def claim_waiting(booking_ids: list[int]) -> int:
    """Mark the bookings allocated, those still waiting only; answers how many were."""
    return Booking.objects.filter(pk__in=booking_ids, status=BookingStatus.WAITING).update(
        status=BookingStatus.ALLOCATED
    )


def ledger(
    round_id: int, subdistrict_id: int, neighborhood_id: int, kind: str, quantity: int, **fields: Any
) -> LedgerEntry:
    """A stock ledger entry (not saved)."""
    return LedgerEntry(
        subdistrict_id=subdistrict_id,
        round_id=round_id,
        neighborhood_id=neighborhood_id,
        kind=kind,
        quantity=quantity,
        **fields,
    )


def allocated_entry(voucher: Voucher) -> LedgerEntry:
    """The ledger entry of a voucher just given (not saved)."""
    return ledger(
        voucher.round_id,
        voucher.subdistrict_id,
        voucher.neighborhood_id,
        LedgerKind.ALLOCATED,
        voucher.quantity,
        voucher=voucher,
        site_id=voucher.site_id,
    )


def notify_voucher(voucher: Voucher, booking_number: str) -> None:
    subject, body = voucher_message(voucher.number, booking_number, voucher.quantity)
    notify(
        kind=VOUCHER_NOTE,
        subject=subject,
        body=body,
        subdistrict_id=voucher.subdistrict_id,
        neighborhood_id=voucher.neighborhood_id,
    )


def locked_balance(rnd: MaskRound, neighborhood_id: int) -> StockBalance:
    """The balance row of (round, neighborhood), created if missing, locked for this transaction."""
    row = StockBalance.objects.select_for_update().filter(round=rnd, neighborhood_id=neighborhood_id).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            StockBalance.objects.create(
                subdistrict_id=rnd.subdistrict_id, round=rnd, neighborhood_id=neighborhood_id, balance=0
            )
    except IntegrityError:
        pass
    return StockBalance.objects.select_for_update().get(round=rnd, neighborhood_id=neighborhood_id)


# ------------------------------------------------------------------------------------------------ the batch


def allocate_waiting(*, actor: Any, mask_round: MaskRound, neighborhood_id: int | None = None) -> int:
    """Serve waiting households from the stock on hand: booking order, or draw order after a lottery.

    Called on its own (the allocate page, the ``masks_allocate`` command), it runs one transaction per
    neighborhood with the balance row locked; called from a stock batch, a lottery draw, a booking review or a
    forfeit, it joins that service's transaction. Returns vouchers issued. The actor
    must manage the round to serve all of it, and work the neighborhood to serve one (re-checked in each
    neighborhood's transaction); ``actor`` None is the scheduled job.
    """
    if (
        actor is not None
        and neighborhood_id is None
        and not access.can_manage_subdistrict(actor, mask_round.subdistrict_id)
    ):
        raise ScopeError("masks-manage")
    if mask_round.mode == AllocationMode.LOTTERY and mask_round.status not in (
        RoundStatus.DRAWN,
        RoundStatus.FINISHED,
    ):
        return 0
    if neighborhood_id is None:
        hoods = list(
            Booking.objects.filter(round=mask_round, status=BookingStatus.WAITING)
            .values_list("neighborhood_id", flat=True)
            .distinct()
        )
    else:
        hoods = [neighborhood_id]
    issued = 0
    for hood in sorted(set(hoods)):
        issued += _allocate_neighborhood(actor=actor, rnd=mask_round, hood_id=hood)
    return issued


@transaction.atomic
def _allocate_neighborhood(
    *, actor: Any, rnd: MaskRound, hood_id: int, now: dt.datetime | None = None
) -> int:
    if actor is not None and not access.may_work_neighborhood(actor, rnd.subdistrict_id, hood_id):
        raise ScopeError("neighborhood")
    now = now or timezone.now()
    q = rnd.masks_per_household
    balance = locked_balance(rnd, hood_id)
    can_serve = balance.balance // q
    if can_serve <= 0:
        return 0
    waiting = list(
        Booking.objects.filter(round=rnd, neighborhood_id=hood_id, status=BookingStatus.WAITING)
        .order_by(F("draw_rank").asc(nulls_last=True), "id")
        .values_list("id", "number")[:can_serve]
    )
    if not waiting:
        return 0
    sites = site_ids(rnd.pk, hood_id)
    slots = list(offered_slots(rnd.pk, hood_id).select_for_update(of=("self",)).filter(ends_at__gt=now))
    room = {s.pk: s.capacity - s.issued for s in slots}
    used: dict[int, int] = defaultdict(int)
    vouchers: list[Voucher] = []
    slot_iter = 0
    for booking_id, _number in waiting:
        slot = None
        while slot_iter < len(slots) and room[slots[slot_iter].pk] <= 0:
            slot_iter += 1
        if slot_iter < len(slots):
            slot = slots[slot_iter]
            room[slot.pk] -= 1
            used[slot.pk] += 1
        vouchers.append(
            Voucher(
                subdistrict_id=rnd.subdistrict_id,
                round=rnd,
                booking_id=booking_id,
                number=new_number(9, "V"),
                neighborhood_id=hood_id,
                site_id=slot.site_id if slot else (sites[0] if sites else None),
                slot=slot,
                quantity=q,
                expires_at=voucher_expiry(rnd.pickup_ends_at, slot.ends_at if slot else None, now),
            )
        )
    total = q * len(vouchers)
    updated = StockBalance.objects.filter(pk=balance.pk, balance__gte=total).update(
        balance=F("balance") - total
    )
    booking_ids = [b for b, _n in waiting]
    # neither can fail with the balance row locked; the CHECK constraint is the last line anyway
    if updated != 1 or claim_waiting(booking_ids) != len(booking_ids):
        raise ValidationError(_("库存不足，分配已取消。"), code="stock")
    created = Voucher.objects.bulk_create(vouchers)
    if any(v.pk is None for v in created):
        created = list(Voucher.objects.filter(booking_id__in=booking_ids))
    for slot_id, n in used.items():
        PickupSlot.objects.filter(pk=slot_id).update(issued=F("issued") + n)
    LedgerEntry.objects.bulk_create([allocated_entry(v) for v in created])
    numbers = dict(waiting)
    for v in created:
        notify_voucher(v, numbers.get(v.booking_id, ""))
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=rnd,
        note=f"allocated {len(created)} vouchers",
        neighborhood_id=hood_id,
        changes={"vouchers": len(created), "masks": total},
    )
    caches.forget("stock")
    caches.forget("slots")
    return len(created)


# --------------------------------------------------------------------------------------------- one, inline


def _slots_for(rnd_id: int, neighborhood_id: int) -> list[tuple[int | None, int, Any]]:
    """(slot id or None, site id, slot end) for the neighborhood's sites, in the order they are offered: the
    slots with room (cached a few seconds: each is claimed with a conditional UPDATE), then every site
    without a slot."""

    def load() -> list[tuple[int | None, int, Any]]:
        out: list[tuple[int | None, int, Any]] = list(
            offered_slots(rnd_id, neighborhood_id).values_list("id", "site_id", "ends_at")
        )
        out += [(None, site_id, None) for site_id in site_ids(rnd_id, neighborhood_id)]
        return out

    return caches.cached(("slots", rnd_id, neighborhood_id), caches.SLOT_TTL, load)


def try_allocate_one(info: caches.RoundInfo, booking_id: int, booking_number: str, hood_id: int) -> str:
    """Give a just-booked household its voucher if the neighborhood has stock on hand (booking order)."""
    hint_key = ("stock", info.id, hood_id)
    if caches.peek(hint_key) is False:
        return ""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _allocate_one_pg(info, booking_id, booking_number, hood_id, now)
    try:
        return _allocate_one_orm(info, booking_id, booking_number, hood_id, now)
    except IntegrityError:  # a stock batch's allocation gave this booking its voucher first
        return _voucher_of(booking_id)


def _voucher_of(booking_id: int) -> str:
    return Voucher.objects.filter(booking_id=booking_id).values_list("number", flat=True).first() or ""


def _allocate_one_orm(
    info: caches.RoundInfo, booking_id: int, booking_number: str, hood_id: int, now: dt.datetime
) -> str:
    q = info.masks_per_household
    with transaction.atomic():
        # claim the booking first: a stock batch's allocation may have served it since it was inserted
        if not claim_waiting([booking_id]):
            return _voucher_of(booking_id)
        taken = StockBalance.objects.filter(round_id=info.id, neighborhood_id=hood_id, balance__gte=q).update(
            balance=F("balance") - q
        )
        if not taken:
            transaction.set_rollback(True)  # the booking stays waiting
            caches.put(("stock", info.id, hood_id), caches.STOCK_HINT_TTL, False)
            return ""
        slot_id, site_id, slot_end = None, None, None
        for cand_slot, cand_site, cand_end in _slots_for(info.id, hood_id):
            if cand_slot is None:
                slot_id, site_id, slot_end = None, cand_site, None
                break
            if cand_end <= now:
                continue
            if PickupSlot.objects.filter(pk=cand_slot, issued__lt=F("capacity")).update(
                issued=F("issued") + 1
            ):
                slot_id, site_id, slot_end = cand_slot, cand_site, cand_end
                break
            caches.forget("slots")
        voucher = Voucher.objects.create(
            subdistrict_id=info.subdistrict_id,
            round_id=info.id,
            booking_id=booking_id,
            number=new_number(9, "V"),
            neighborhood_id=hood_id,
            site_id=site_id,
            slot_id=slot_id,
            quantity=q,
            expires_at=voucher_expiry(info.pickup_ends_at, slot_end, now),
        )
        allocated_entry(voucher).save()
        notify_voucher(voucher, booking_number)
    return voucher.number


_ALLOCATE_SQL: list[str] = []


def _allocate_sql() -> str:
    """The inline allocation as one PostgreSQL statement (built once per process): take the household's masks
    from the neighborhood's balance only if it covers them (the row lock orders allocations within the
    neighborhood), take a place in the earliest pickup slot with room (FOR UPDATE rechecks the slot against
    its newest version and moves on to the next slot when it is full), else the neighborhood's first site
    without a slot; then write the voucher, its ledger entry and the household's notification, and mark the
    booking allocated. Nothing is written when the balance does not cover the household or the booking is no
    longer waiting. Being one statement, it needs no transaction of its own. Answers (stock taken, notification
    id, the voucher an earlier allocation gave the booking). The rules are this module's: SLOT_ORDER, the
    expiry's bounds (parameters soon and repickup), the ledger entry and the notification's fields."""
    if _ALLOCATE_SQL:
        return _ALLOCATE_SQL[0]
    qn = connection.ops.quote_name
    sb, slot, site = (qn(m._meta.db_table) for m in (StockBalance, PickupSlot, PickupSite))
    vt, lt, bt = (qn(m._meta.db_table) for m in (Voucher, LedgerEntry, Booking))
    nt = qn(Notification._meta.db_table)
    slot_order = ", ".join(f"ps.{qn(PickupSlot._meta.get_field(name).column or name)}" for name in SLOT_ORDER)
    expires = "COALESCE(sl.ends_at, %(pickup_ends)s)"
    sql = (
        f"WITH st AS (UPDATE {sb} SET balance = balance - %(q)s, updated_at = %(now)s "
        f"WHERE round_id = %(r)s AND neighborhood_id = %(h)s AND balance >= %(q)s "
        f"AND EXISTS (SELECT 1 FROM {bt} WHERE id = %(b)s AND status = %(waiting)s) RETURNING id), "
        f"sl AS (UPDATE {slot} p SET issued = p.issued + 1 WHERE p.issued < p.capacity AND p.id = ("
        f"SELECT ps.id FROM {slot} ps JOIN {site} s ON s.id = ps.site_id "
        f"WHERE s.round_id = %(r)s AND s.neighborhood_id = %(h)s AND ps.issued < ps.capacity "
        f"AND ps.ends_at > %(now)s AND EXISTS (SELECT 1 FROM st) "
        f"ORDER BY {slot_order} LIMIT 1 FOR UPDATE OF ps) RETURNING p.id, p.site_id, p.ends_at), "
        f"fs AS (SELECT min(id) AS id FROM {site} WHERE round_id = %(r)s AND neighborhood_id = %(h)s), "
        f"v AS (INSERT INTO {vt} (created_at, updated_at, version, number, quantity, status, expires_at, "
        f"booking_id, neighborhood_id, round_id, site_id, slot_id, subdistrict_id) "
        f"SELECT %(now)s, %(now)s, 1, %(number)s, %(q)s, %(issued)s, "
        f"CASE WHEN {expires} <= %(soon)s THEN %(repickup)s ELSE {expires} END, "
        f"%(b)s, %(h)s, %(r)s, COALESCE(sl.site_id, fs.id), sl.id, %(sd)s "
        f"FROM st CROSS JOIN fs LEFT JOIN sl ON TRUE RETURNING id, site_id, number), "
        f"l AS (INSERT INTO {lt} (created_at, updated_at, version, kind, quantity, note, neighborhood_id, "
        f"subdistrict_id, round_id, site_id, voucher_id) "
        f"SELECT %(now)s, %(now)s, 1, %(kind)s, %(q)s, '', %(h)s, %(sd)s, %(r)s, v.site_id, v.id FROM v), "
        f"bk AS (UPDATE {bt} SET status = %(allocated)s WHERE id = %(b)s AND EXISTS (SELECT 1 FROM v)), "
        f"n AS (INSERT INTO {nt} (created_at, recipient_id, subdistrict_id, neighborhood_id, kind, subject, body, "
        f"read_at, deliver_after) SELECT %(now)s, NULL, %(sd)s, %(h)s, %(note_kind)s, %(subject)s, %(body)s, "
        f"NULL, %(deliver_after)s FROM v RETURNING id) "
        f"SELECT EXISTS (SELECT 1 FROM st), (SELECT id FROM n), "
        f"(SELECT number FROM {vt} WHERE booking_id = %(b)s)"
    )
    _ALLOCATE_SQL.append(sql)
    return sql


def _allocate_one_pg(
    info: caches.RoundInfo, booking_id: int, booking_number: str, hood_id: int, now: dt.datetime
) -> str:
    q = info.masks_per_household
    number = new_number(9, "V")
    subject, body = voucher_message(number, booking_number, q)
    params = {
        "q": q,
        "now": now,
        "r": info.id,
        "h": hood_id,
        "b": booking_id,
        "sd": info.subdistrict_id,
        "number": number,
        "issued": str(VoucherStatus.ISSUED),
        "kind": str(LedgerKind.ALLOCATED),
        "allocated": str(BookingStatus.ALLOCATED),
        "waiting": str(BookingStatus.WAITING),
        "pickup_ends": info.pickup_ends_at,
        "soon": now + REPICKUP_SOON,
        "repickup": now + dt.timedelta(days=REPICKUP_DAYS),
        "note_kind": VOUCHER_NOTE,
        "subject": subject[:200],
        "body": body,
        "deliver_after": deliver_after(VOUCHER_NOTE, now),
    }
    try:
        taken, note_id, earlier = execute_prepared(_allocate_sql(), params)
    except IntegrityError:  # a stock batch's allocation, committing meanwhile, gave this booking its voucher
        return _voucher_of(booking_id)
    if earlier:  # a stock batch's allocation served this booking before its own allocation ran
        return str(earlier)
    if not taken:
        caches.put(("stock", info.id, hood_id), caches.STOCK_HINT_TTL, False)
        return ""
    announce(
        note_id,
        kind=VOUCHER_NOTE,
        subject=subject,
        body=body,
        subdistrict_id=info.subdistrict_id,
        neighborhood_id=hood_id,
    )
    return number

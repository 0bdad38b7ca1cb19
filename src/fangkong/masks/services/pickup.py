"""Pickup: a voucher collected once the booker is confirmed, vouchers forfeited after their deadline
(their masks serve the waiting list), and the end of a round."""

from __future__ import annotations

import datetime as dt
import hmac
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, crypto, personal
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.core.validators import check_resident_id
from fangkong.masks import access, caches
from fangkong.masks.choices import AllocationMode, BookingStatus, LedgerKind, RoundStatus, VoucherStatus
from fangkong.masks.models import Booking, LedgerEntry, MaskRound, StockBalance, Voucher
from fangkong.masks.numbers import fmt_time
from fangkong.masks.services.allocation import allocate_waiting, ledger, locked_balance


def booker_confirmed(booking: Booking, raw: str) -> bool:
    """Whether ``raw`` (the booker's ID as scanned or typed, or its last 4 characters) is the booker's ID."""
    value = personal.normalize_id_number(str(raw or ""))
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


@transaction.atomic(durable=True)
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
            _("该凭证已于 %(t)s 领取，不能重复领取。") % {"t": fmt_time(voucher.collected_at)},  # type: ignore[arg-type]
            code="collected",
        )
    if voucher.status == VoucherStatus.FORFEITED or voucher.expires_at <= now:
        raise ValidationError(
            _("该凭证已过领取截止时间（%(t)s），已作废。") % {"t": fmt_time(voucher.expires_at)},
            code="expired",
        )
    updated = Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.ISSUED).update(
        status=VoucherStatus.COLLECTED, collected_at=now, collected_by=actor, version=F("version") + 1
    )
    if updated != 1:  # pragma: no cover - another desk won the race; report its time
        voucher.refresh_from_db()
        raise ValidationError(
            _("该凭证已于 %(t)s 领取，不能重复领取。") % {"t": fmt_time(voucher.collected_at)},  # type: ignore[arg-type]
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
    served from them. ``actor`` None: the scheduled job."""
    if actor is not None:
        access.require_manage(actor, mask_round.subdistrict_id)
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


@transaction.atomic(durable=True)
def finish_round(*, actor: Any, mask_round: MaskRound, now: dt.datetime | None = None) -> MaskRound:
    """Mark a round finished once its pickup deadline has passed and no voucher is outstanding: overdue
    vouchers must have been forfeited first (their masks went back to the waiting list), and a lottery round
    must have been drawn. Households still waiting stay on the record; nothing can be received or allocated
    in the round afterwards."""
    access.require_manage(actor, mask_round.subdistrict_id)
    now = now or timezone.now()
    rnd = MaskRound.objects.select_for_update().get(pk=mask_round.pk)
    if rnd.status == RoundStatus.FINISHED:
        raise ValidationError(_("本轮已结束。"), code="finished")
    if now < rnd.pickup_ends_at:
        raise ValidationError(
            _("领取截止时间（%(t)s）之前不能结束本轮。") % {"t": fmt_time(rnd.pickup_ends_at)},
            code="pickup_open",
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
            % {"n": issued.count(), "t": fmt_time(latest)},
            code="vouchers_open",
        )
    rnd.status = RoundStatus.FINISHED
    if rnd.closes_at > now:  # pragma: no cover - the pickup deadline is never before the booking window ends
        rnd.closes_at = max(now, rnd.opens_at + dt.timedelta(seconds=1))
    core_services.update_object(actor=actor, obj=rnd, note=_("结束本轮"))
    caches.forget_round(rnd.pk)
    mask_round.refresh_from_db()
    return rnd

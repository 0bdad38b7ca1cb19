"""Stock: batches received (a booking-order round serves its waiting list at once) and stock returned."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.masks import access, caches
from fangkong.masks.choices import AllocationMode, LedgerKind, RoundStatus
from fangkong.masks.models import MaskRound, PickupSite, StockBalance, StockBatch
from fangkong.masks.services.allocation import allocate_waiting, ledger, locked_balance


@transaction.atomic(durable=True)
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
    return receive_stock_batch(
        actor=actor,
        mask_round=mask_round,
        neighborhood=neighborhood,
        quantity=quantity,
        site=site,
        note=note,
        received_at=received_at,
    )


@transaction.atomic
def receive_stock_batch(
    *,
    actor: Any,
    mask_round: MaskRound,
    neighborhood: Any,
    quantity: int,
    site: PickupSite | None = None,
    note: str = "",
    received_at: dt.datetime | None = None,
) -> StockBatch:
    """``record_stock_batch`` inside the caller's transaction: for a service that moves masks in from
    elsewhere together with its own writes (donated masks, from the care app's donations ledger)."""
    access.require_manage(actor, mask_round.subdistrict_id)
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


@transaction.atomic(durable=True)
def return_stock(
    *, actor: Any, mask_round: MaskRound, neighborhood: Any, quantity: int, note: str = ""
) -> None:
    """Send unpromised masks back (e.g. to the district at the end of a round)."""
    access.require_manage(actor, mask_round.subdistrict_id)
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

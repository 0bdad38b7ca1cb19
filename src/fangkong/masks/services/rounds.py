"""Rounds and their pickup sites and slots: opened, closed, sites and slots added by HQ."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.core.policies import get_policy
from fangkong.masks import access, caches
from fangkong.masks.choices import AllocationMode, RoundStatus
from fangkong.masks.models import MaskRound, PickupSite, PickupSlot


@transaction.atomic(durable=True)
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
    access.require_manage(actor, subdistrict.pk)
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


@transaction.atomic(durable=True)
def close_round(*, actor: Any, mask_round: MaskRound) -> MaskRound:
    access.require_manage(actor, mask_round.subdistrict_id)
    if mask_round.status != RoundStatus.OPEN:
        raise ValidationError(_("本轮预约已截止。"), code="closed")
    mask_round.status = RoundStatus.CLOSED
    if mask_round.closes_at > timezone.now():
        mask_round.closes_at = max(timezone.now(), mask_round.opens_at + dt.timedelta(seconds=1))
    core_services.update_object(actor=actor, obj=mask_round, note=_("截止预约"))
    caches.forget_round(mask_round.pk)
    return mask_round


@transaction.atomic(durable=True)
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
    access.require_manage(actor, mask_round.subdistrict_id)
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
    access.require_manage(actor, site.subdistrict_id)
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

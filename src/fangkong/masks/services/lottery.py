"""The lottery of a round: the reproducible draw (seed and entries give the order) and its audit."""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.masks import access, caches
from fangkong.masks.choices import AllocationMode, BookingStatus, RoundStatus
from fangkong.masks.models import Booking, MaskRound
from fangkong.masks.numbers import fmt_time
from fangkong.masks.services.allocation import allocate_waiting


def lottery_order(seed: str, numbers: Iterable[str]) -> list[str]:
    """The draw: booking numbers sorted, then shuffled by a generator seeded with ``seed``. Anyone holding the
    published seed and the list of entries can repeat it."""
    ordered = sorted(numbers)
    random.Random(f"fangkong-masks:{seed}").shuffle(ordered)
    return ordered


def lottery_digest(order: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(order).encode()).hexdigest()


@transaction.atomic(durable=True)
def draw_lottery(*, actor: Any, mask_round: MaskRound, seed: str | None = None) -> MaskRound:
    access.require_manage(actor, mask_round.subdistrict_id)
    rnd = MaskRound.objects.select_for_update().get(pk=mask_round.pk)
    if rnd.mode != AllocationMode.LOTTERY:
        raise ValidationError(_("本轮按预约顺序分配，不能摇号。"), code="mode")
    if rnd.lottery_drawn_at is not None:
        raise ValidationError(
            _("本轮已于 %(t)s 摇号，不能重复摇号。") % {"t": fmt_time(rnd.lottery_drawn_at)}, code="drawn"
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
    caches.forget_round(rnd.pk)
    allocate_waiting(actor=actor, mask_round=rnd)
    mask_round.refresh_from_db()
    return rnd

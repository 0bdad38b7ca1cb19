"""The donations ledger (捐赠): donations received with their items, goods given out, the per-item balance
that never goes negative (a CheckConstraint, and a conditional decrement so two concurrent hand-outs cannot
both take the last one), reconciliation, and donated masks moved into the mask stock ledger."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.care.choices import DonorKind, TargetKind
from fangkong.care.models import Distribution, Donation, DonationItem, DonationLine
from fangkong.core import audit, scope
from fangkong.core.choices import AuditAction, Domain
from fangkong.core.services import check_write_scope

MAX_QUANTITY = 100_000_000  # far above any donation; keeps the integer columns in range


@dataclass
class Line:
    name: str
    unit: str
    quantity: int
    is_money: bool = False
    is_masks: bool = False


def _account(*, subdistrict_id: int, neighborhood_id: int | None, line: Line) -> DonationItem:
    """The ledger account of an item (created on first use), locked for the balance change."""
    fields = {
        "subdistrict_id": subdistrict_id,
        "neighborhood_id": neighborhood_id,
        "name": line.name.strip()[:60],
        "unit": line.unit.strip()[:10],
    }
    item = DonationItem.objects.select_for_update().filter(**fields).first()
    if item is None:
        try:
            with transaction.atomic():
                item = DonationItem.objects.create(**fields, is_money=line.is_money, is_masks=line.is_masks)
        except IntegrityError:
            item = DonationItem.objects.select_for_update().get(**fields)
    return item


@transaction.atomic(durable=True)
def record_donation(
    *,
    actor: Any,
    subdistrict_id: int,
    neighborhood: Any = None,
    donor_kind: str,
    lines: list[Line],
    donor_resident: Any = None,
    donor_organization: Any = None,
    donor_name: str = "",
    public_thanks: bool = False,
    purpose: str = "",
    received_on: dt.date | None = None,
    note: str = "",
) -> Donation:
    """Receive a donation: one row, its lines, and each item's balance raised (one transaction)."""
    errors: dict[str, list[str]] = {}
    if donor_kind not in DonorKind.values:
        errors["donor_kind"] = [_("请选择捐赠方类型。")]
    if donor_kind == DonorKind.RESIDENT and donor_resident is None and not donor_name.strip():
        errors["donor_name"] = [_("请填写捐赠居民。")]
    if donor_kind == DonorKind.FIRM and donor_organization is None and not donor_name.strip():
        errors["donor_name"] = [_("请填写捐赠单位。")]
    if donor_kind == DonorKind.ANONYMOUS:
        donor_resident = donor_organization = None
    good = [ln for ln in lines if ln.name.strip() or ln.quantity]
    if not good:
        errors["lines"] = [_("请至少填写一项捐赠物品。")]
    for ln in good:
        if not ln.name.strip() or not ln.unit.strip() or not 0 < int(ln.quantity) <= MAX_QUANTITY:
            errors["lines"] = [_("每项物品须有名称、单位和大于0的数量。")]
    for obj in (donor_resident, donor_organization, neighborhood):
        if obj is not None and obj.subdistrict_id != subdistrict_id:
            errors["donor_name"] = [_("须为本街道登记的居民或单位。")]
    if neighborhood is None and actor is not None and scope.works_in_domain(actor, Domain.CARE):
        if not scope.may_write_row(
            actor, domain=Domain.CARE, subdistrict_id=subdistrict_id, neighborhood_id=None
        ):
            errors["neighborhood"] = [_("请选择接收居民区。")]
    if errors:
        raise ValidationError(errors)
    if donor_kind == DonorKind.ANONYMOUS:
        name = _("爱心人士（匿名）")
    else:
        name = donor_name.strip() or str(donor_resident or donor_organization)
    address = ""
    if donor_resident is not None:
        address = str(donor_resident.household)
    received_on = received_on or timezone.localdate()
    donation = Donation(
        subdistrict_id=subdistrict_id,
        neighborhood=neighborhood,
        number=f"JZ{received_on:%Y%m%d}-{secrets.token_hex(3).upper()}",
        donor_kind=donor_kind,
        donor_resident=donor_resident,
        donor_organization=donor_organization,
        donor_name=name[:80],
        donor_address=address[:120],
        public_thanks=public_thanks,
        purpose=purpose.strip()[:120],
        received_on=received_on,
        received_by=actor if getattr(actor, "pk", None) else None,
        note=note.strip()[:200],
    )
    if actor is not None:
        check_write_scope(actor, donation)
    donation.save()
    nid = neighborhood.pk if neighborhood is not None else None
    for ln in good:
        item = _account(subdistrict_id=subdistrict_id, neighborhood_id=nid, line=ln)
        DonationLine.objects.create(
            subdistrict_id=subdistrict_id,
            neighborhood_id=nid,
            donation=donation,
            item=item,
            quantity=int(ln.quantity),
        )
        DonationItem.objects.filter(pk=item.pk).update(
            balance=F("balance") + int(ln.quantity), version=F("version") + 1
        )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=donation,
        changes={**audit.snapshot(donation), "lines": [[ln.name, ln.unit, ln.quantity] for ln in good]},
    )
    return donation


def _take(item: DonationItem, quantity: int) -> None:
    """Lower an item's balance by ``quantity`` if it has that much: one conditional UPDATE, so concurrent
    hand-outs never both take the last units (and the CheckConstraint backs it)."""
    if not 0 < int(quantity) <= MAX_QUANTITY:
        raise ValidationError({"quantity": [_("数量须大于0。")]})
    taken = DonationItem.objects.filter(pk=item.pk, balance__gte=quantity).update(
        balance=F("balance") - quantity, version=F("version") + 1
    )
    if taken != 1:
        left = DonationItem.objects.filter(pk=item.pk).values_list("balance", flat=True).first() or 0
        raise ValidationError(
            {"quantity": [_("结存不足：%(item)s 仅剩 %(n)d。") % {"item": item, "n": left}]}
        )


@transaction.atomic
def give_out(
    *,
    actor: Any,
    item: DonationItem,
    quantity: int,
    target_kind: str,
    target_name: str = "",
    target_compound: Any = None,
    target_resident: Any = None,
    target_organization: Any = None,
    donation: Donation | None = None,
    day: dt.date | None = None,
    note: str = "",
) -> Distribution:
    """Give out donated goods (see ``distribute``); joins the caller's transaction."""
    errors: dict[str, list[str]] = {}
    if target_kind not in TargetKind.values:
        errors["target_kind"] = [_("请选择去向。")]
    if target_kind == TargetKind.VOLUNTEER_POINT and target_compound is None:
        errors["target_compound"] = [_("志愿者服务点须选择所在小区。")]
    if target_kind == TargetKind.PERSON and target_resident is None and not target_name.strip():
        errors["target_name"] = [_("请填写受赠人。")]
    for obj in (target_compound, target_resident, target_organization):
        if obj is not None and obj.subdistrict_id != item.subdistrict_id:
            errors["target_name"] = [_("去向须在本街道。")]
    if donation is not None and donation.subdistrict_id != item.subdistrict_id:
        errors["donation"] = [_("捐赠不属于本街道。")]
    if errors:
        raise ValidationError(errors)
    label = target_name.strip()
    if not label:
        if target_compound is not None:
            label = _("%(c)s门口志愿者服务点") % {"c": target_compound.name}
        else:
            target = target_resident or target_organization
            label = str(target) if target is not None else str(TargetKind(target_kind).label)
    row = Distribution(
        subdistrict_id=item.subdistrict_id,
        neighborhood_id=item.neighborhood_id,
        item=item,
        donation=donation,
        quantity=int(quantity),
        target_kind=target_kind,
        target_compound=target_compound,
        target_resident=target_resident,
        target_organization=target_organization,
        target_name=label[:120],
        day=day or timezone.localdate(),
        given_by=actor if getattr(actor, "pk", None) else None,
        note=note.strip()[:200],
    )
    if actor is not None:
        check_write_scope(actor, row)
    _take(item, int(quantity))
    row.save()
    audit.record(actor=actor, action=AuditAction.CREATE, obj=row, changes=audit.snapshot(row))
    return row


@transaction.atomic(durable=True)
def distribute(
    *, actor: Any, item: DonationItem, quantity: int, target_kind: str, **target: Any
) -> Distribution:
    """Give out donated goods to a volunteer point (a compound's gate), a committee, a person, an
    organisation or the volunteers; the item's balance must cover it."""
    if target_kind == TargetKind.MASK_STOCK:
        raise ValidationError({"target_kind": [_("口罩转入库存请用“转入口罩库存”。")]})
    return give_out(actor=actor, item=item, quantity=quantity, target_kind=target_kind, **target)


@transaction.atomic(durable=True)
def move_masks_to_stock(
    *, actor: Any, item: DonationItem, quantity: int, mask_round: Any, neighborhood: Any, note: str = ""
) -> Distribution:
    """Donated masks into the mask stock ledger of a round (through the masks app's own stock service), in
    one transaction with the hand-out that lowers the donation balance."""
    from fangkong.masks import services as masks

    if not item.is_masks:
        raise ValidationError({"item": [_("只有口罩可以转入口罩库存。")]})
    row = give_out(
        actor=actor,
        item=item,
        quantity=quantity,
        target_kind=TargetKind.MASK_STOCK,
        target_name=_("口罩库存：%(round)s %(hood)s") % {"round": mask_round, "hood": neighborhood},
        note=note,
    )
    masks.receive_stock_batch(
        actor=actor,
        mask_round=mask_round,
        neighborhood=neighborhood,
        quantity=int(quantity),
        note=_("捐赠口罩（%(n)s）") % {"n": row.pk},
    )
    return row


def reconcile(items: Any) -> list[dict[str, Any]]:
    """Each item's stored balance against its ledger (received less given out), in one query; a row whose
    ``difference`` is not 0 does not reconcile."""
    received = (
        DonationLine.objects.filter(item=OuterRef("pk"))
        .values("item")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    given = (
        Distribution.objects.filter(item=OuterRef("pk"))
        .values("item")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    rows = items.annotate(
        received=Coalesce(Subquery(received), Value(0)), given=Coalesce(Subquery(given), Value(0))
    ).select_related("neighborhood")
    return [
        {
            "item": it,
            "received": it.received,
            "given": it.given,
            "balance": it.balance,
            "difference": it.balance - (it.received - it.given),
        }
        for it in rows
    ]

"""The stock ledger reconciled per neighborhood and per pickup site."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from fangkong.masks.choices import LedgerKind, VoucherStatus
from fangkong.masks.models import (
    BALANCE_SIGN,
    LedgerEntry,
    MaskRound,
    PickupSite,
    PickupSlot,
    StockBalance,
    Voucher,
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

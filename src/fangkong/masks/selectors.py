"""Read-only figures for the command dashboard."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Sum

from fangkong.masks.choices import BookingStatus
from fangkong.masks.models import Booking, StockBalance


def mask_figures(subdistrict_id: int, round_id: int | None = None) -> list[dict[str, Any]]:
    """Per neighborhood of the sub-district: bookings, allocated (vouchers not forfeited), collected, waiting
    (incl. unregistered awaiting review) and masks on hand. ``round_id`` None sums every round."""
    from fangkong.registry.models import Neighborhood

    qs = Booking.objects.filter(subdistrict_id=subdistrict_id)
    stock = StockBalance.objects.filter(subdistrict_id=subdistrict_id)
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
        stock = stock.filter(round_id=round_id)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for hood, status, n in qs.values_list("neighborhood_id", "status").annotate(n=Count("id")).order_by():
        counts[hood][status] = n
    on_hand = dict(stock.values_list("neighborhood_id").annotate(b=Sum("balance")).order_by())
    rows = []
    for hood_id, name in (
        Neighborhood.objects.filter(subdistrict_id=subdistrict_id)
        .order_by("code", "name")
        .values_list("id", "name")
    ):
        c = counts[hood_id]
        rows.append(
            {
                "neighborhood_id": hood_id,
                "neighborhood": name,
                "bookings": sum(v for k, v in c.items() if k != BookingStatus.REJECTED),
                "allocated": c[BookingStatus.ALLOCATED] + c[BookingStatus.COLLECTED],
                "collected": c[BookingStatus.COLLECTED],
                "waiting": c[BookingStatus.WAITING] + c[BookingStatus.REVIEW],
                "review": c[BookingStatus.REVIEW],
                "forfeited": c[BookingStatus.FORFEITED],
                "on_hand": on_hand.get(hood_id, 0) or 0,
            }
        )
    return rows


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    keys = ("bookings", "allocated", "collected", "waiting", "review", "forfeited", "on_hand")
    return {k: sum(r[k] for r in rows) for k in keys}

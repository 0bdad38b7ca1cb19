"""Read-only figures: per sub-district for the command dashboard, and per round for a user (the round's pages
and the API ask the same selectors, limited to the neighborhoods ``access.neighborhoods_seen`` gives)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Sum

from fangkong.masks import access
from fangkong.masks.choices import BookingStatus
from fangkong.masks.models import Booking, MaskRound, StockBalance


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


def round_figures(user: Any, rnd: MaskRound) -> list[dict[str, Any]]:
    """``mask_figures`` of the round, for the neighborhoods the user sees."""
    rows = mask_figures(rnd.subdistrict_id, rnd.pk)
    hoods = access.neighborhoods_seen(user)
    if hoods is None:
        return rows
    return [r for r in rows if r["neighborhood_id"] in hoods]


def round_reconciliation(user: Any, rnd: MaskRound) -> list[dict[str, Any]]:
    """The round's stock reconciliation per neighborhood, for the neighborhoods the user sees."""
    from fangkong.masks import services

    return services.reconcile(rnd, access.neighborhoods_seen(user))


def site_reconciliation(user: Any, rnd: MaskRound) -> list[dict[str, Any]]:
    """The round's stock reconciliation per pickup site, for the neighborhoods the user sees."""
    from fangkong.masks import services

    return services.reconcile_sites(rnd, access.neighborhoods_seen(user))


def round_neighborhoods(user: Any, rnd: MaskRound) -> list[Any]:
    """The round's neighborhoods the user works with (a booking poster, a stock batch, a pickup site), in code
    order."""
    from fangkong.registry.models import Neighborhood

    hoods = Neighborhood.objects.filter(subdistrict_id=rnd.subdistrict_id).order_by("code", "name")
    seen = access.neighborhoods_seen(user)
    if seen is not None:
        hoods = hoods.filter(pk__in=seen)
    return list(hoods)

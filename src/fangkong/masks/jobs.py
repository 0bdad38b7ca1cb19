"""The masks app's periodic jobs: forfeit uncollected vouchers and serve the waiting list after each pickup
window, warn HQ of a stock shortfall, and purge old rate-limit counters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import notify
from fangkong.core.jobs import Job, register
from fangkong.masks.choices import BookingStatus, RoundStatus


def forfeit_and_reallocate(period: dt.datetime) -> dict[str, int]:
    from fangkong.masks.models import MaskRound
    from fangkong.masks.services import forfeit_expired

    totals = {"rounds": 0, "forfeited": 0, "reallocated": 0}
    for rnd in MaskRound.objects.exclude(status=RoundStatus.FINISHED):
        done = forfeit_expired(actor=None, mask_round=rnd, now=period)
        totals["rounds"] += 1
        totals["forfeited"] += done["forfeited"]
        totals["reallocated"] += done["reallocated"]
    return totals


def stock_shortfall(period: dt.datetime) -> dict[str, int]:
    """Alert HQ once a day per round and neighborhood where households wait and the stock on hand cannot
    serve the next one."""
    from fangkong.masks.models import MaskRound, StockBalance

    alerts = 0
    day = timezone.localtime(period).date()
    for rnd in MaskRound.objects.exclude(status=RoundStatus.FINISHED):
        waiting = dict(
            rnd.bookings.filter(status=BookingStatus.WAITING)
            .values("neighborhood_id")
            .annotate(n=Count("id"))
            .values_list("neighborhood_id", "n")
        )
        if not waiting:
            continue
        short = StockBalance.objects.filter(round=rnd, neighborhood_id__in=list(waiting)).filter(
            Q(balance__lt=rnd.masks_per_household)
        )
        for balance in short.select_related("neighborhood"):
            alerts += len(
                notify.alert(
                    kind="masks.stock_shortfall",
                    subject=_("%(hood)s 口罩库存不足：%(n)d 户在等候")
                    % {"hood": balance.neighborhood.name, "n": waiting[balance.neighborhood_id]},
                    body=_("%(round)s 现有库存 %(b)d 只，每户 %(q)d 只。")
                    % {"round": rnd.name, "b": balance.balance, "q": rnd.masks_per_household},
                    recipients=notify.hq_of(rnd.subdistrict_id),
                    key=f"masks.shortfall:{rnd.pk}:{balance.neighborhood_id}:{day.isoformat()}",
                    subdistrict_id=rnd.subdistrict_id,
                    neighborhood_id=balance.neighborhood_id,
                    level=notify.LEVEL_HQ,
                )
            )
    return {"alerts": alerts}


def purge_rate_counters_job(period: dt.datetime) -> dict[str, Any]:
    """Delete the rate limiter's counters whose window has ended (every endpoint's, core.ratelimit)."""
    from fangkong.core import ratelimit

    return {"deleted": ratelimit.purge()}


def register_jobs() -> None:
    register(
        Job(
            "masks.forfeit",
            gettext_lazy("作废逾期未领的口罩券并分配给候补"),
            forfeit_and_reallocate,
            "every 15m",
        ),
        Job("masks.stock_shortfall", gettext_lazy("口罩库存不足提醒"), stock_shortfall, "every 30m"),
        Job("masks.rate_purge", gettext_lazy("清理过期的限流计数"), purge_rate_counters_job, "every 10m"),
    )
    from fangkong.core.figures import register_figures

    register_figures(mask_figures)


def mask_figures(subdistrict_id: int, day: dt.date) -> list[tuple[int | None, str, float]]:
    from fangkong.core.figures import grouped
    from fangkong.masks.choices import VoucherStatus
    from fangkong.masks.models import Booking, Voucher

    bookings = (
        Booking.objects.filter(subdistrict_id=subdistrict_id, created_at__date=day)
        .values("neighborhood_id")
        .annotate(n=Count("id"))
        .values_list("neighborhood_id", "n")
    )
    pickups = (
        Voucher.objects.filter(
            subdistrict_id=subdistrict_id, status=VoucherStatus.COLLECTED, collected_at__date=day
        )
        .values("neighborhood_id")
        .annotate(n=Count("id"))
        .values_list("neighborhood_id", "n")
    )
    return [*grouped(bookings, "masks.bookings"), *grouped(pickups, "masks.pickups")]

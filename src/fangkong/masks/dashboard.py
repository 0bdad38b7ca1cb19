"""The masks app's dashboard figures (``core.catalogue``): today's bookings and pickups, the waiting list and
the stock on hand of the rounds still running."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.catalogue import STOCK, Capability, Family, Figure, register_capability, register_family


def _model(label: str) -> Any:
    def get() -> Any:
        from django.apps import apps

        return apps.get_model(label)

    return get


def _booked_today(day: dt.date) -> Q:
    return Q(created_at__date=day)


def _bookings(base: Any, day: dt.date) -> Any:
    from fangkong.masks.choices import BookingStatus

    return base.filter(Q(created_at__date=day) | Q(status=BookingStatus.WAITING))


def _pickups(base: Any, day: dt.date) -> Any:
    from fangkong.masks.choices import VoucherStatus

    return base.filter(status=VoucherStatus.COLLECTED, collected_at__date=day)


def _stock(base: Any, day: dt.date) -> Any:
    from fangkong.masks.choices import RoundStatus

    return base.exclude(round__status=RoundStatus.FINISHED)


def _booking_row(obj: Any) -> tuple[str, str]:
    return (
        f"{obj.number} · {obj.get_status_display()}",
        reverse("masks:bookings", args=[obj.round_id]) + f"?q={obj.number}",
    )


def _voucher_row(obj: Any) -> tuple[str, str]:
    return (obj.number, reverse("masks:voucher", args=[obj.number]))


def _stock_row(obj: Any) -> tuple[str, str]:
    return (f"{obj.round.name} · {obj.balance}", reverse("masks:ledger", args=[obj.round_id]))


def register_dashboard() -> None:
    from fangkong.masks.choices import BookingStatus

    register_capability(Capability("masks", _("口罩预约"), order=30))
    register_family(
        Family(
            name="masks.bookings",
            capability="masks",
            model=_model("masks.Booking"),
            records=_bookings,
            figures=(
                Figure("masks.bookings", _("今日预约"), "户", _booked_today),
                Figure(
                    "masks.waiting",
                    _("排队等候"),
                    "户",
                    Q(status=BookingStatus.WAITING),
                    kind=STOCK,
                    behind_above=0,
                ),
            ),
            row=_booking_row,
        )
    )
    register_family(
        Family(
            name="masks.pickups",
            capability="masks",
            model=_model("masks.Voucher"),
            records=_pickups,
            figures=(Figure("masks.pickups", _("今日领取"), "户"),),
            row=_voucher_row,
        )
    )
    register_family(
        Family(
            name="masks.stock",
            capability="masks",
            model=_model("masks.StockBalance"),
            records=_stock,
            figures=(Figure("masks.stock", _("口罩库存"), "只", kind=STOCK, sum_field="balance"),),
            row=_stock_row,
            select_related=("round",),
        )
    )

"""The tickets app's dashboard figures (``core.catalogue``): tickets opened on the day, the open ones, and the
open ones past an SLA deadline (response, arrival or resolution) at the day's end, or now for today."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.catalogue import STOCK, Capability, Family, Figure, register_capability, register_family


def _model() -> Any:
    from django.apps import apps

    return apps.get_model("tickets.Ticket")


def _open() -> Q:
    from fangkong.tickets.choices import OPEN_STATES

    return Q(state__in=sorted(OPEN_STATES))


def _moment(day: dt.date) -> dt.datetime:
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return min(timezone.now(), end)


def _breached(day: dt.date) -> Q:
    at = _moment(day)
    late = (
        Q(responded_at__isnull=True, respond_due__lt=at)
        | Q(arrived_at__isnull=True, arrive_due__lt=at)
        | Q(resolve_due__lt=at)
    )
    return _open() & late


def _records(base: Any, day: dt.date) -> Any:
    return base.filter(Q(opened_at__date=day) | _open())


def _row(obj: Any) -> tuple[str, str]:
    return (
        f"{obj.number} · {obj.get_kind_display()} · {obj.get_state_display()}",
        reverse("tickets:detail", args=[obj.pk]),
    )


def register_dashboard() -> None:
    register_capability(Capability("tickets", _("应急联动"), order=70))
    register_family(
        Family(
            name="tickets.tickets",
            capability="tickets",
            model=_model,
            records=_records,
            figures=(
                Figure("tickets.opened", _("今日报修"), "单", lambda day: Q(opened_at__date=day)),
                Figure("tickets.open", _("处理中报修"), "单", lambda day: _open(), kind=STOCK),
                Figure("tickets.breached", _("超时报修"), "单", _breached, kind=STOCK, behind_above=0),
            ),
            row=_row,
            order_by=("-opened_at", "-pk"),
        )
    )

"""The registry's dashboard figures (``core.catalogue``): the neighborhoods (the bulletin's lead counts them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.catalogue import STOCK, Capability, Family, Figure, register_capability, register_family


def _model() -> Any:
    from django.apps import apps

    return apps.get_model("registry", "Neighborhood")


def _all(base: Any, day: dt.date) -> Any:
    return base


def _row(obj: Any) -> tuple[str, str]:
    return (obj.name, reverse("registry:neighborhoods_detail", args=[obj.pk]))


def register_dashboard() -> None:
    register_capability(Capability("registry", _("台账"), order=10))
    register_family(
        Family(
            name="registry.neighborhoods",
            capability="registry",
            model=_model,
            records=_all,
            figures=(Figure("registry.neighborhoods", _("居民区"), "个", kind=STOCK, breakdown=False),),
            row=_row,
            neighborhood="id",
            order_by=("code", "pk"),
        )
    )

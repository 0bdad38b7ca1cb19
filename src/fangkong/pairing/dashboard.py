"""The pairing app's dashboard figures (``core.catalogue``): coverage gaps, today's check-ins and the cadres."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.catalogue import (
    STOCK,
    Capability,
    Family,
    Figure,
    Laggard,
    register_capability,
    register_family,
    register_laggards,
)


def _round_row(obj: Any) -> tuple[str, str]:
    return (
        f"{obj.building} · {obj.template.name} · {obj.get_status_display()}",
        reverse("pairing:checkin", args=[obj.building_id]),
    )


def _building_row(obj: Any) -> tuple[str, str]:
    name = f"{obj.compound.name}{obj.name}" if obj.compound_id else obj.name
    return (name, reverse("registry:buildings_detail", args=[obj.pk]))


def _point_row(obj: Any) -> tuple[str, str]:
    return (str(obj), reverse("pairing:point", args=[obj.pk]))


def _cadre_row(obj: Any) -> tuple[str, str]:
    return (obj.name, reverse("registry:cadres_detail", args=[obj.pk]))


def _rounds(base: Any, day: dt.date) -> Any:
    return base.filter(date=day)


def _unowned(base: Any, day: dt.date) -> Any:
    return base.filter(assignment__isnull=True)


def _uncovered(base: Any, day: dt.date) -> Any:
    return base.filter(active=True).exclude(pairings__active=True)


def _cadres(base: Any, day: dt.date) -> Any:
    return base.filter(active=True)


def _model(label: str) -> Any:
    def get() -> Any:
        from django.apps import apps

        return apps.get_model(label)

    return get


def register_dashboard() -> None:
    from fangkong.pairing.choices import RoundStatus

    register_capability(Capability("pairing", _("三结三定"), order=20))
    register_laggards(overdue_people)
    register_family(
        Family(
            name="pairing.coverage",
            capability="pairing",
            model=_model("registry.Building"),
            records=_unowned,
            figures=(
                Figure("pairing.buildings_unowned", _("无人包干楼栋"), "栋", kind=STOCK, behind_above=0),
            ),
            row=_building_row,
            select_related=("compound",),
        )
    )
    register_family(
        Family(
            name="pairing.points",
            capability="pairing",
            model=_model("pairing.Point"),
            records=_uncovered,
            figures=(
                Figure("pairing.points_uncovered", _("无人结对点位"), "个", kind=STOCK, behind_above=0),
            ),
            row=_point_row,
        )
    )
    register_family(
        Family(
            name="pairing.checkins",
            capability="pairing",
            model=_model("pairing.CheckInRound"),
            records=_rounds,
            figures=(
                Figure("pairing.checkins", _("今日打卡任务"), "次"),
                Figure("pairing.checkins_done", _("已完成打卡"), "次", Q(status=RoundStatus.DONE)),
                Figure(
                    "pairing.checkins_overdue",
                    _("逾期未打卡"),
                    "次",
                    Q(status=RoundStatus.OVERDUE),
                    behind_above=0,
                ),
            ),
            row=_round_row,
            select_related=("building", "template"),
        )
    )
    register_family(
        Family(
            name="pairing.cadres",
            capability="pairing",
            model=_model("registry.SupportCadre"),
            records=_cadres,
            figures=(Figure("pairing.cadres", _("下沉干部"), "名", kind=STOCK),),
            row=_cadre_row,
            neighborhood="",
            order_by=("name", "pk"),
        )
    )


def overdue_people(user: Any, day: dt.date) -> list[Laggard]:
    """Today's overdue check-ins per neighborhood and person in charge of the building (one query)."""
    from django.db.models import Count

    from fangkong.pairing.choices import RoundStatus
    from fangkong.pairing.models import CheckInRound

    rows = (
        CheckInRound.objects.visible_to(user)
        .filter(date=day, status=RoundStatus.OVERDUE)
        .values("neighborhood_id", "building__assignment__cadre__name", "building__assignment__staff__name")
        .annotate(n=Count("pk"))
        .order_by("neighborhood_id", "-n")
    )
    return [
        Laggard(
            neighborhood_id=r["neighborhood_id"],
            who=r["building__assignment__cadre__name"] or r["building__assignment__staff__name"] or "",
            what=_("逾期未打卡"),
            count=r["n"],
            link=reverse("pairing:rounds"),
        )
        for r in rows
    ]

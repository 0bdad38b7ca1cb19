"""The returnees app's dashboard figures (``core.catalogue``): declarations, isolations, fevers, missed reports,
referrals pending and isolations waiting for their sign-off. Names show masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.catalogue import (
    STOCK,
    Capability,
    Event,
    Family,
    Figure,
    Laggard,
    register_capability,
    register_events,
    register_family,
    register_laggards,
)
from fangkong.core.personal import mask_name


def _model(label: str) -> Any:
    def get() -> Any:
        from django.apps import apps

        return apps.get_model(label)

    return get


def _created(day: dt.date) -> Q:
    return Q(created_at__date=day)


def _isolated(day: dt.date) -> Q:
    from fangkong.returnees.choices import IsolationStatus

    return Q(start_date__lte=day, end_date__gte=day) & ~Q(
        status=IsolationStatus.RELEASED, released_at__date__lt=day
    )


def _to_sign_off(day: dt.date) -> Q:
    from fangkong.returnees.choices import IsolationStatus

    return Q(status=IsolationStatus.ACTIVE, end_date__lte=day)


def _declarations(base: Any, day: dt.date) -> Any:
    return base.filter(created_at__date=day)


def _isolations(base: Any, day: dt.date) -> Any:
    return base.filter(_isolated(day) | _to_sign_off(day))


def _referrals(base: Any, day: dt.date) -> Any:
    from fangkong.returnees.choices import ReferralOutcome

    return base.filter(Q(created_at__date=day) | Q(outcome=ReferralOutcome.PENDING))


def _missed(base: Any, day: dt.date) -> Any:
    return base.filter(day=day)


def _declaration_row(obj: Any) -> tuple[str, str]:
    return (
        f"{mask_name(obj.name)}（{obj.origin_name}）",
        reverse("returnees:declaration_detail", args=[obj.pk]),
    )


def _isolation_row(obj: Any) -> tuple[str, str]:
    return (
        f"{mask_name(obj.declaration.name)} {obj.start_date}–{obj.end_date}",
        reverse("returnees:isolation_detail", args=[obj.pk]),
    )


def _referral_row(obj: Any) -> tuple[str, str]:
    link = reverse("returnees:isolation_detail", args=[obj.isolation_id]) if obj.isolation_id else ""
    return (f"{mask_name(obj.person_name)} · {obj.get_outcome_display()}", link)


def _task_row(obj: Any) -> tuple[str, str]:
    return (
        f"{mask_name(obj.isolation.declaration.name)} · {obj.get_slot_display()} · {obj.get_status_display()}",
        reverse("returnees:isolation_detail", args=[obj.isolation_id]),
    )


def register_dashboard() -> None:
    from fangkong.returnees.choices import ReferralOutcome

    register_capability(Capability("returnees", _("返沪与隔离"), order=40))
    register_laggards(open_follow_ups)
    register_events(day_events)
    register_family(
        Family(
            name="returnees.declarations",
            capability="returnees",
            model=_model("returnees.Declaration"),
            records=_declarations,
            figures=(Figure("returnees.declarations", _("今日申报"), "人"),),
            row=_declaration_row,
        )
    )
    register_family(
        Family(
            name="returnees.isolations",
            capability="returnees",
            model=_model("returnees.Isolation"),
            records=_isolations,
            figures=(
                Figure("returnees.isolated", _("隔离中"), "人", _isolated, kind=STOCK),
                Figure(
                    "returnees.to_sign_off", _("期满待解除"), "人", _to_sign_off, kind=STOCK, behind_above=0
                ),
            ),
            row=_isolation_row,
            select_related=("declaration",),
        )
    )
    register_family(
        Family(
            name="returnees.referrals",
            capability="returnees",
            model=_model("returnees.Referral"),
            records=_referrals,
            figures=(
                Figure("returnees.fevers", _("今日发热"), "人", _created, behind_above=0),
                Figure(
                    "returnees.referrals_pending",
                    _("转诊待处理"),
                    "人",
                    Q(outcome=ReferralOutcome.PENDING),
                    kind=STOCK,
                    behind_above=0,
                ),
            ),
            row=_referral_row,
        )
    )
    register_family(
        Family(
            name="returnees.missed_reports",
            capability="returnees",
            model=_model("returnees.FollowUpTask"),
            records=_missed,
            figures=(Figure("returnees.missed_reports", _("今日漏报"), "人次", behind_above=0),),
            row=_task_row,
            select_related=("isolation__declaration",),
        )
    )


def open_follow_ups(user: Any, day: dt.date) -> list[Laggard]:
    """Today's missed reports not yet followed up, per neighborhood and assignee (one query)."""
    from django.db.models import Count

    from fangkong.returnees.choices import TaskStatus
    from fangkong.returnees.models import FollowUpTask

    rows = (
        FollowUpTask.objects.visible_to(user)
        .filter(day=day, status=TaskStatus.OPEN)
        .values("neighborhood_id", "assignee__display_name")
        .annotate(n=Count("pk"))
        .order_by("neighborhood_id", "-n")
    )
    return [
        Laggard(
            neighborhood_id=r["neighborhood_id"],
            who=r["assignee__display_name"] or "",
            what=_("漏报未跟进"),
            count=r["n"],
            link=reverse("returnees:board"),
        )
        for r in rows
    ]


def day_events(subdistrict_id: int, day: dt.date) -> list[Event]:
    """The day's fevers, isolations started and isolations released in one sub-district (masked names)."""
    from fangkong.returnees.models import Isolation, Referral

    out: list[Event] = []
    fevers = Referral.objects.filter(subdistrict_id=subdistrict_id, created_at__date=day).select_related(
        "neighborhood"
    )
    for ref in fevers.order_by("created_at", "pk"):
        temperature = f" {ref.temperature}℃" if ref.temperature is not None else ""
        out.append(
            Event(
                ref.created_at,
                ref.neighborhood.name if ref.neighborhood_id else "",
                _("新增发热"),
                f"{mask_name(ref.person_name)}{temperature} · {ref.get_outcome_display()}",
            )
        )
    isolations = Isolation.objects.filter(subdistrict_id=subdistrict_id).select_related(
        "declaration", "neighborhood"
    )
    for iso in isolations.filter(created_at__date=day).order_by("created_at", "pk"):
        out.append(
            Event(
                iso.created_at,
                iso.neighborhood.name,
                _("开始隔离"),
                f"{mask_name(iso.declaration.name)} · {iso.get_mode_display()} · {iso.end_date}",
            )
        )
    for iso in isolations.filter(released_at__date=day).order_by("released_at", "pk"):
        out.append(
            Event(iso.released_at, iso.neighborhood.name, _("解除隔离"), mask_name(iso.declaration.name))
        )
    return out

"""The care app's dashboard figures (``core.catalogue``): the day's deliveries and the unwell among them, who
is missing this week's delivery, volunteer service sessions, donations received, materials handed out and
posted, and the 微党课's attendees and branches (the bulletin's "党建引领" section reads the last two)."""

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


def _deliveries(base: Any, day: dt.date) -> Any:
    return base.filter(day=day)


def _missed(base: Any, day: dt.date) -> Any:
    from fangkong.care.rules import week_of
    from fangkong.care.selectors import missed_records

    return missed_records(base, week=week_of(day), today=day)


def _sessions(base: Any, day: dt.date) -> Any:
    return base.filter(started_at__date=day)


def _donations(base: Any, day: dt.date) -> Any:
    return base.filter(received_on=day)


def _materials(base: Any, day: dt.date) -> Any:
    return base.filter(day=day)


def _attendances(base: Any, day: dt.date) -> Any:
    return base.filter(briefing__day=day)


def _delivery_row(obj: Any) -> tuple[str, str]:
    return (f"{obj.day} · {obj.get_outcome_display()}", reverse("care:record_detail", args=[obj.record_id]))


def _record_row(obj: Any) -> tuple[str, str]:
    return (f"{obj.get_weekday_display()} · {obj.neighborhood}", reverse("care:record_detail", args=[obj.pk]))


def _donation_row(obj: Any) -> tuple[str, str]:
    return (obj.number, reverse("care:donation_detail", args=[obj.pk]))


def _material_row(obj: Any) -> tuple[str, str]:
    return (f"{obj.day} · {obj.get_kind_display()}", reverse("care:materials"))


def _attendance_row(obj: Any) -> tuple[str, str]:
    return (f"{obj.briefing} · {obj.branch}", reverse("care:briefing_detail", args=[obj.briefing_id]))


def register_dashboard() -> None:
    from fangkong.care.choices import DeliveryOutcome, MaterialKind, Welfare

    register_capability(Capability("care", _("民生保障"), order=60))
    register_family(
        Family(
            name="care.deliveries",
            capability="care",
            model=_model("care.Delivery"),
            records=_deliveries,
            figures=(
                Figure("care.deliveries", _("今日配送"), "次", Q(outcome=DeliveryOutcome.DELIVERED)),
                Figure(
                    "care.deliveries_unwell",
                    _("配送时身体不适"),
                    "人",
                    Q(welfare=Welfare.UNWELL),
                    behind_above=0,
                ),
            ),
            row=_delivery_row,
            order_by=("-day", "-pk"),
        )
    )
    register_family(
        Family(
            name="care.missed",
            capability="care",
            model=_model("care.CareRecord"),
            records=_missed,
            figures=(Figure("care.deliveries_missed", _("本周漏送"), "人", kind=STOCK, behind_above=0),),
            row=_record_row,
            select_related=("neighborhood",),
            order_by=("neighborhood__name", "weekday", "pk"),
        )
    )
    register_family(
        Family(
            name="care.sessions",
            capability="care",
            model=_model("care.ServiceSession"),
            records=_sessions,
            figures=(Figure("care.volunteer_sessions", _("志愿服务"), "人次"),),
            order_by=("-started_at", "-pk"),
        )
    )
    register_family(
        Family(
            name="care.donations",
            capability="care",
            model=_model("care.Donation"),
            records=_donations,
            figures=(Figure("care.donations", _("收到捐赠"), "笔"),),
            row=_donation_row,
        )
    )
    register_family(
        Family(
            name="care.materials",
            capability="care",
            model=_model("care.MaterialCount"),
            records=_materials,
            figures=(
                Figure(
                    "care.materials.letter",
                    _("转发《给居民朋友的一封信》"),
                    "份",
                    Q(kind=MaterialKind.LETTER),
                    sum_field="handed_out",
                ),
                Figure(
                    "care.materials.guide",
                    _("发放《疫情防控指南》"),
                    "份",
                    Q(kind=MaterialKind.GUIDE),
                    sum_field="handed_out",
                ),
                Figure(
                    "care.materials.health_form",
                    _("发放《健康状况信息登记表》"),
                    "份",
                    Q(kind=MaterialKind.HEALTH_FORM),
                    sum_field="handed_out",
                ),
            ),
            row=_material_row,
        )
    )
    register_family(
        Family(
            name="care.briefings",
            capability="care",
            model=_model("care.BriefingAttendance"),
            records=_attendances,
            figures=(
                Figure("care.briefing_attendees", _("微党课参加党员"), "名"),
                Figure(
                    "care.briefing_branches",
                    _("微党课参加支部"),
                    "个",
                    distinct_field="branch",
                    breakdown=False,
                ),
            ),
            row=_attendance_row,
            select_related=("briefing", "branch"),
        )
    )

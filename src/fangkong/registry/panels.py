"""What the household page shows from the other apps: the household's mask bookings, the returnee
declarations made for its address, and who of it is in isolation now.

Each list is read through its own model's ``visible_to(user)`` (a user without the masks or returnees domain
sees no such section), personal values are shown masked, and each section is one query whatever the number
of rows. Reading health records is audited, as the returnees pages do. The apps are looked up by label, so the
registry does not import them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.generic import Panel
from fangkong.core.scope import domain_allowed
from fangkong.registry.models import Household

LIMIT = 20


def household_panels(user: Any, household: Household) -> list[Panel]:
    panels: list[Panel] = []
    if apps.is_installed("fangkong.masks") and domain_allowed(user, "masks"):
        panels.append(_bookings(user, household))
    if apps.is_installed("fangkong.returnees") and domain_allowed(user, "returnees"):
        panels.extend(_returnees(user, household))
    return panels


def _bookings(user: Any, household: Household) -> Panel:
    booking = apps.get_model("masks", "Booking")
    rows = []
    for b in booking.objects.visible_to(user).filter(household=household).select_related("round")[:LIMIT]:
        link = reverse("masks:bookings", args=[b.round_id]) + f"?q={b.number}"
        rows.append(
            [
                (b.number, link),
                (b.round.name, ""),
                (b.get_status_display(), ""),
                (b.name, ""),
                (b.phone_masked or "—", ""),
            ]
        )
    headers = [_("预约编号"), _("轮次"), _("状态"), _("预约人"), _("手机号码")]
    return Panel(_("口罩预约"), headers, rows)


def _returnees(user: Any, household: Household) -> list[Panel]:
    declaration = apps.get_model("returnees", "Declaration")
    isolation = apps.get_model("returnees", "Isolation")
    declarations = list(
        declaration.objects.visible_to(user)
        .filter(building_id=household.building_id, room=household.room)
        .order_by("-arrival_date", "-pk")[:LIMIT]
    )
    isolations = list(
        isolation.objects.visible_to(user)
        .filter(building_id=household.building_id, declaration__room=household.room, status="active")
        .select_related("declaration")
        .order_by("end_date", "pk")[:LIMIT]
    )
    shown = [d.pk for d in declarations] + [i.declaration_id for i in isolations]
    if shown:  # health records: their reads are audited, once per page view
        audit.record(
            actor=user,
            action=AuditAction.READ,
            object_type="returnees.declaration",
            object_repr=_("住户页：%(h)s") % {"h": household.address},
            changes={"list": "household", "household": household.pk, "ids": sorted(set(shown))},
            subdistrict_id=household.subdistrict_id,
            neighborhood_id=household.neighborhood_id,
        )
    declared = Panel(
        _("返沪申报"),
        [_("姓名"), _("证件号码"), _("抵沪日期"), _("风险等级")],
        [
            [
                (d.name, reverse("returnees:declaration_detail", args=[d.pk])),
                (d.id_number_masked or "—", ""),
                (d.arrival_date.isoformat(), ""),
                (d.get_risk_level_display(), ""),
            ]
            for d in declarations
        ],
    )
    isolated = Panel(
        _("正在隔离"),
        [_("姓名"), _("隔离方式"), _("开始日期"), _("结束日期")],
        [
            [
                (i.declaration.name, reverse("returnees:isolation_detail", args=[i.pk])),
                (i.get_mode_display(), ""),
                (i.start_date.isoformat(), ""),
                (i.end_date.isoformat(), ""),
            ]
            for i in isolations
        ],
        empty=_("没有正在隔离的人员"),
    )
    return [isolated, declared]

"""Spreadsheet formats of the care app (registered with ``core.spreadsheets``): a briefing's attendance
imported from a group's roster, with the engine's preview and row errors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.care import access
from fangkong.care import briefings as briefing_service
from fangkong.care.models import Briefing, BriefingAttendance
from fangkong.core.choices import Domain
from fangkong.core.spreadsheets import (
    CREATE,
    UNCHANGED,
    Column,
    Report,
    Row,
    SpreadsheetFormat,
    parse_int,
    parse_text,
    register,
)


@dataclass
class AttendanceContext:
    actor: Any
    briefings: dict[int, Briefing | None] = field(default_factory=dict)
    branches: dict[int, dict[str, int]] = field(default_factory=dict)  # briefing → branch name → id
    present: dict[int, set[tuple[int, str]]] = field(default_factory=dict)  # briefing → (branch, name)


class BriefingAttendanceFormat(SpreadsheetFormat):
    slug = "briefing-attendance"
    title = gettext_lazy("微党课签到名单")
    sheet_title = gettext_lazy("签到名单")
    model = BriefingAttendance
    domain = Domain.CARE
    batch_size = 1000
    max_columns = 8
    description = gettext_lazy(
        "每行一名参加微党课的党员：微党课编号见微党课页面，党组织须为受邀党组织（按名称），"
        "同一党组织的同名党员只记一次。"
    )
    columns = (
        Column("briefing", "微党课编号", True, parse_int, gettext_lazy("微党课页面上的编号"), 1, 10),
        Column(
            "branch", "党组织", True, parse_text(100), gettext_lazy("受邀党组织名称"), "新南二第一党支部", 20
        ),
        Column("name", "姓名", True, parse_text(50), gettext_lazy("党员姓名"), "张三", 10),
    )

    def start(self, *, actor: Any, commit: bool) -> AttendanceContext:
        return AttendanceContext(actor=actor)

    def row_key(self, ctx: AttendanceContext, row: Row) -> Any:
        v = row.values
        return (v.get("briefing"), v.get("branch"), briefing_service.clean_name(v.get("name") or ""))

    def _briefing(self, ctx: AttendanceContext, pk: int) -> Briefing | None:
        if pk not in ctx.briefings:
            found = Briefing.objects.visible_to(ctx.actor).filter(pk=pk).first()
            if found is not None and not access.may_edit_briefing(ctx.actor, found):
                found = None
            ctx.briefings[pk] = found
            if found is not None:
                ctx.branches[pk] = {
                    inv.branch.name: inv.branch_id for inv in found.invited.select_related("branch")
                }
                ctx.present[pk] = set(
                    BriefingAttendance.objects.filter(briefing=found).values_list("branch_id", "name")
                )
        return ctx.briefings[pk]

    def check_batch(self, ctx: AttendanceContext, rows: list[Row], report: Report) -> None:
        for row in rows:
            if not row.ok:
                continue
            v = row.values
            briefing = self._briefing(ctx, v["briefing"])
            if briefing is None:
                report.error(
                    row, "微党课编号", _("没有编号为 %(n)s 的微党课，或您不能修改它。") % {"n": v["briefing"]}
                )
                continue
            branch_id = ctx.branches[briefing.pk].get(v["branch"].strip())
            if branch_id is None:
                report.error(row, "党组织", _("“%(b)s”不是该微党课的受邀党组织。") % {"b": v["branch"]})
                continue
            name = briefing_service.clean_name(v["name"])
            if not name:
                report.error(row, "姓名", _("请填写姓名。"))
                continue
            action = UNCHANGED if (branch_id, name) in ctx.present[briefing.pk] else CREATE
            row.action = action
            row.data.update(briefing=briefing, branch_id=branch_id, name=name)
            report.counts[action] += 1

    def write_batch(self, ctx: AttendanceContext, rows: list[Row], report: Report) -> None:
        by_briefing: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for row in rows:
            if row.action == CREATE:
                by_briefing[row.data["briefing"].pk].append((row.data["branch_id"], row.data["name"]))
        for pk, members in by_briefing.items():
            briefing = ctx.briefings[pk]
            assert briefing is not None
            briefing_service.add_attendance(actor=ctx.actor, briefing=briefing, rows=members)
            ctx.present[pk].update(members)

    def export_queryset(self, user: Any) -> Any:
        return (
            BriefingAttendance.objects.visible_to(user)
            .select_related("branch")
            .order_by("briefing_id", "branch__name", "name", "pk")
        )

    def export_rows(self, user: Any, queryset: Any) -> Iterator[list[Any]]:
        for a in queryset.iterator(chunk_size=2000):
            yield [a.briefing_id, a.branch.name, a.name]


BRIEFING_ATTENDANCE = register(BriefingAttendanceFormat())

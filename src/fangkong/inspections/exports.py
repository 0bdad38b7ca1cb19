"""The xlsx exports of the inspections lists (firms, visits, calls, supervision cases, patrol rounds) through
core's streaming xlsx writer, Chinese headers, one audited export event each. Every list is read through the
same selectors as its page (scoped); names of firms and staff only, phone numbers masked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fangkong.core import xlsx_writer
from fangkong.core.exports import record_export
from fangkong.core.spreadsheet_cells import sheet_row
from fangkong.inspections import access, selectors

CALL_DAYS = 14


@dataclass(frozen=True)
class ExportList:
    title: Any
    gate: Callable[[Any], Any]  # raises Http404 for a user who may not read the list
    rows: Callable[[Any, dt.date], Iterable[list[Any]]]
    headers: tuple[Any, ...]
    object_type: str


def _d(value: Any) -> Any:
    return value or ""


def _firm_rows(user: Any, day: dt.date) -> Iterable[list[Any]]:
    qs = selectors.firm_list(user)
    for f in qs.iterator(chunk_size=2000):
        org = f.organization
        yield [
            org.name,
            org.credit_code,
            org.address,
            f.industry_code,
            f.legal_rep,
            org.contact_phone_masked,
            org.employees if org.employees is not None else "",
            f.get_status_display(),
            f.get_source_display(),
            org.patrol_zone.name if org.patrol_zone_id else "",
            org.premises.name if org.premises_id else "",
            f.neighborhood.name if f.neighborhood_id else "",
            f.exempt.name if f.exempt_id else "",
        ]


def _visit_rows(user: Any, day: dt.date) -> Iterable[list[Any]]:
    for v in selectors.visits(user).select_related("neighborhood").iterator(chunk_size=2000):
        yield [
            v.day,
            v.firm.organization.name if v.firm_id else "",
            v.premises.name if v.premises_id else "",
            v.team,
            str(v.inspector or ""),
            v.get_state_display(),
            "是" if v.entry_registration else "否",
            "是" if v.disinfection else "否",
            v.forms_handed,
            v.notices_posted,
            "是" if v.open_early else "否",
            "是" if v.dissuaded else "否",
            v.get_signature_display() if v.signature else "",
            v.note,
        ]


def _call_rows(user: Any, day: dt.date) -> Iterable[list[Any]]:
    qs: QuerySet[Any] = selectors.calls(user, start=day - dt.timedelta(days=CALL_DAYS - 1), end=day)
    for c in qs.iterator(chunk_size=2000):
        yield [
            c.day,
            c.firm.organization.name,
            str(c.caller or ""),
            c.get_outcome_display(),
            c.called_at,
            c.note,
        ]


def _case_rows(user: Any, day: dt.date) -> Iterable[list[Any]]:
    for c in selectors.cases(user, show="all").iterator(chunk_size=500):
        yield [
            c.firm.organization.name,
            c.reason,
            c.deadline,
            str(c.owner),
            c.get_outcome_display(),
            _d(c.closed_at),
        ]


def _patrol_rows(user: Any, day: dt.date) -> Iterable[list[Any]]:
    for r in selectors.patrol_rounds(user).iterator(chunk_size=500):
        yield [r.day, r.team.name, r.route, r.n_findings, str(r.recorded_by or ""), r.note]


LISTS: dict[str, ExportList] = {
    "firms": ExportList(
        _("排摸企业"),
        access.firm_user,
        _firm_rows,
        (
            _("单位名称"),
            _("统一社会信用代码"),
            _("地址"),
            _("行业代码"),
            _("法定代表人"),
            _("联系电话"),
            _("从业人员"),
            _("复工状态"),
            _("来源"),
            _("巡查片区"),
            _("楼宇园区"),
            _("居民区"),
            _("豁免类别"),
        ),
        "inspections.firm",
    ),
    "visits": ExportList(
        _("巡查记录"),
        access.visits_user,
        _visit_rows,
        (
            _("日期"),
            _("企业"),
            _("楼宇园区"),
            _("巡查队"),
            _("巡查人"),
            _("状态"),
            _("已查验进出登记"),
            _("已查验消毒"),
            _("发放健康登记表"),
            _("张贴告知单"),
            _("发现提前复工"),
            _("已劝阻"),
            _("企业签字"),
            _("备注"),
        ),
        "inspections.visit",
    ),
    "calls": ExportList(
        _("电话记录"),
        access.manager,
        _call_rows,
        (_("日期"), _("企业"), _("拨打人"), _("结果"), _("拨打时间"), _("备注")),
        "inspections.call",
    ),
    "cases": ExportList(
        _("督查案件"),
        access.manager,
        _case_rows,
        (_("企业"), _("移交原因"), _("整改期限"), _("负责人"), _("结果"), _("结案时间")),
        "inspections.supervisioncase",
    ),
    "patrols": ExportList(
        _("巡察记录"),
        access.patrols_user,
        _patrol_rows,
        (_("日期"), _("巡察队"), _("巡察路线"), _("发现"), _("记录人"), _("备注")),
        "inspections.patrolround",
    ),
}


def write_list(dest: Any, user: Any, kind: str, day: dt.date) -> int:
    """Write the list ``kind`` as the user sees it into ``dest``; one audited export event. The caller has
    passed the list's gate."""
    spec = LISTS[kind]
    headers = [str(h) for h in spec.headers]
    count = xlsx_writer.write(
        dest,
        sheet_title=str(spec.title),
        headers=headers,
        required=[False] * len(headers),
        widths=[16.0] * len(headers),
        rows=(sheet_row(r) for r in spec.rows(user, day)),
    )
    record_export(
        user,
        object_type=spec.object_type,
        object_repr=str(spec.title),
        changes={"rows": count, "day": str(day)},
    )
    return count

"""Spreadsheet exports (xlsx, Chinese headers) and the personal iCalendar feed."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from fangkong.core.exports import record_export
from fangkong.core.spreadsheets import sheet_row
from fangkong.pairing.reports import BoardRow


def _book(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append(sheet_row(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(sheet_row(row))
    for i, _h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 16
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def board_xlsx(rows: list[BoardRow]) -> bytes:
    headers = [
        _("点位"),
        _("类型"),
        _("需要人数"),
        _("已结对人数"),
        _("缺口"),
        _("结对干部"),
        _("楼栋数"),
        _("已包干楼栋"),
    ]
    data = [
        [
            r.point.name,
            str(r.point.get_kind_display()),
            r.required,
            r.covered,
            r.gap,
            "、".join(r.cadres),
            r.buildings if r.point.kind == "neighborhood" else "",
            r.buildings_assigned if r.point.kind == "neighborhood" else "",
        ]
        for r in rows
    ]
    return _book(_("覆盖情况"), headers, data)


def roster_grid(roster: Any) -> tuple[list[dt.date], list[Any], dict[int, dict[dt.date, list[Any]]]]:
    """People × days: each cell holds that person's assignments on the day."""
    days = [
        roster.start_date + dt.timedelta(days=i)
        for i in range((roster.end_date - roster.start_date).days + 1)
    ]
    grid: dict[int, dict[dt.date, list[Any]]] = defaultdict(lambda: defaultdict(list))
    people: dict[int, Any] = {}
    for a in roster.assignments.select_related("template__point", "person").order_by("date", "starts_at"):
        grid[a.person_id][a.date].append(a)
        people[a.person_id] = a.person
    ordered = sorted(people.values(), key=lambda p: (p.name, p.pk))
    return days, ordered, grid


def cell_text(items: Sequence[Any]) -> str:
    return "\n".join(
        f"{a.template.point.name} {a.template.name} {a.template.start_time:%H:%M}-{a.template.end_time:%H:%M}"
        for a in items
    )


def roster_xlsx(roster: Any) -> bytes:
    days, people, grid = roster_grid(roster)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("值班表")[:31]
    ws.append(
        sheet_row(
            [_("姓名")] + [f"{d:%m-%d} {'一二三四五六日'[d.weekday()]}" for d in days] + [_("班次合计")]
        )
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    night_fill = PatternFill("solid", fgColor="DDE7F5")
    for person in people:
        row = [person.name]
        total = 0
        for d in days:
            items = grid[person.pk].get(d, [])
            total += len(items)
            row.append(cell_text(items))
        row.append(total)
        ws.append(sheet_row(row))
        for col, d in enumerate(days, start=2):
            items = grid[person.pk].get(d, [])
            cell = ws.cell(row=ws.max_row, column=col)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if any(a.template.start_time >= dt.time(19, 0) for a in items):
                cell.fill = night_fill
    ws.column_dimensions["A"].width = 12
    for i in range(len(days)):
        ws.column_dimensions[get_column_letter(i + 2)].width = 18
    ws.freeze_panes = "B2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # continuation lines start with a space
        current += b
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ical_feed(person: Any, assignments: Iterable[Any], host: str = "fangkong") -> str:
    stamp = _utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//fangkong//duty roster//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(_('值班表') + ' · ' + person.name)}",
    ]
    for a in assignments:
        point = a.template.point.name
        lines += [
            "BEGIN:VEVENT",
            f"UID:roster-{a.roster_id}-{a.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(a.starts_at)}",
            f"DTEND:{_utc(a.ends_at)}",
            f"SUMMARY:{_escape(f'{a.template.name} · {point}')}",
            f"LOCATION:{_escape(point)}",
            f"DESCRIPTION:{_escape(a.roster.name)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def export_board(user: Any, rows: list[BoardRow]) -> bytes:
    """The coverage board's workbook for ``user``, audited as an export."""
    record_export(user, object_type="pairing.point", object_repr=_("覆盖情况"))
    return board_xlsx(rows)


def export_roster(user: Any, roster: Any) -> bytes:
    """A roster's workbook for ``user``, audited as an export of the roster."""
    record_export(user, obj=roster)
    return roster_xlsx(roster)

"""The daily report's content and files: the catalogue's figures per neighborhood and the day's events, as an
xlsx workbook (Chinese headers, the project's xlsx writer) and an A4 PDF (WeasyPrint from the HTML template,
with the Noto CJK fonts embedded).

The content is computed once and kept in ``DailyReport.content``; both files are made from it, so a report
reads the same whenever it is downloaded. For a past day the figures come from that day's snapshot
(``core.figures``) when it was kept, else they are counted now.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from fangkong.command.board import snapshot_provider
from fangkong.core import catalogue
from fangkong.core.spreadsheet_cells import sheet_row


def _figure_rows(subdistrict_id: int, day: dt.date) -> list[tuple[int | None, str, float]]:
    from fangkong.core.models import DailyFigure

    if day < timezone.localdate():
        kept: list[tuple[int | None, str, float]] = list(
            DailyFigure.objects.filter(subdistrict_id=subdistrict_id, day=day).values_list(
                "neighborhood_id", "key", "value"
            )
        )
        if kept:
            return kept
    return snapshot_provider(subdistrict_id, day)


def build_content(subdistrict: Any, day: dt.date) -> dict[str, Any]:
    """Everything the report shows, as plain JSON: columns, totals, per-neighborhood rows, events."""
    from django.apps import apps

    neighborhood_model: Any = apps.get_model("registry", "Neighborhood")
    hoods = list(
        neighborhood_model.objects.filter(subdistrict=subdistrict)
        .order_by("code", "pk")
        .values_list("pk", "name")
    )
    values: dict[int | None, dict[str, int]] = defaultdict(dict)
    for hood_id, key, value in _figure_rows(subdistrict.pk, day):
        values[hood_id][key] = int(round(value))
    caps = {c.key: str(c.label) for c in catalogue.capabilities()}
    columns: list[dict[str, Any]] = [
        {
            "key": fig.key,
            "label": str(fig.label),
            "measure": fig.measure,
            "capability": fam.capability,
            "capability_label": caps.get(fam.capability, fam.capability),
            "per_neighborhood": bool(fam.neighborhood) and fig.breakdown,
        }
        for fam, fig in catalogue.all_figures()
    ]
    return {
        "subdistrict": subdistrict.name,
        "day": day.isoformat(),
        "columns": columns,
        "totals": {c["key"]: values[None].get(c["key"], 0) for c in columns},
        "neighborhoods": [
            {"name": name, "values": {c["key"]: values[pk].get(c["key"], 0) for c in columns}}
            for pk, name in hoods
        ],
        "events": [
            {
                "at": timezone.localtime(e.at).strftime("%H:%M") if e.at else "",
                "neighborhood": e.neighborhood,
                "kind": str(e.kind),
                "text": e.text,
            }
            for e in catalogue.events(subdistrict.pk, day)
        ],
    }


def sections(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's tables, one per capability: its per-neighborhood figures, rows with a total row."""
    out = []
    order: list[str] = []
    for c in content["columns"]:
        if c["per_neighborhood"] and c["capability"] not in order:
            order.append(c["capability"])
    for cap in order:
        cols = [c for c in content["columns"] if c["capability"] == cap and c["per_neighborhood"]]
        out.append(
            {
                "label": cols[0]["capability_label"],
                "columns": cols,
                "rows": [
                    {"name": h["name"], "values": [h["values"].get(c["key"], 0) for c in cols]}
                    for h in content["neighborhoods"]
                ],
                "total": [content["totals"].get(c["key"], 0) for c in cols],
            }
        )
    return out


def headline(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"label": c["label"], "measure": c["measure"], "value": content["totals"].get(c["key"], 0)}
        for c in content["columns"]
    ]


def render_html(content: dict[str, Any], *, for_pdf: bool = False) -> str:
    return render_to_string(
        "command/report_print.html",
        {
            "content": content,
            "sections": sections(content),
            "headline": headline(content),
            "for_pdf": for_pdf,
        },
    )


def render_pdf(content: dict[str, Any]) -> tuple[bytes, int]:
    """The A4 PDF and its number of pages (WeasyPrint; the CJK fonts are subset and embedded)."""
    from weasyprint import HTML

    document = HTML(string=render_html(content, for_pdf=True)).render()
    return document.write_pdf(), len(document.pages)


def render_xlsx(content: dict[str, Any]) -> bytes:
    """One sheet: the figures per neighborhood with Chinese headers and the total row, then the day's events."""
    from fangkong.core import xlsx_writer

    columns = [c for c in content["columns"] if c["per_neighborhood"]]
    headers = ["居民区", *[f"{c['label']}（{c['measure']}）" for c in columns]]
    rows: list[list[Any]] = [
        [h["name"], *[h["values"].get(c["key"], 0) for c in columns]] for h in content["neighborhoods"]
    ]
    rows.append(["合计", *[content["totals"].get(c["key"], 0) for c in columns]])
    others = [c for c in content["columns"] if not c["per_neighborhood"]]
    if others:
        rows.append([])
        rows.extend([[f"{c['label']}（{c['measure']}）", content["totals"].get(c["key"], 0)] for c in others])
    rows.append([])
    rows.append(["当日事件"])
    rows.append(["时间", "居民区", "事项", "说明"])
    rows.extend([[e["at"], e["neighborhood"], e["kind"], e["text"]] for e in content["events"]])
    buffer = io.BytesIO()
    xlsx_writer.write(
        buffer,
        sheet_title=f"{content['day']} 日报",
        headers=headers,
        required=[False] * len(headers),
        widths=[14.0, *[12.0] * len(columns)],
        rows=(sheet_row(row) for row in rows),
    )
    return buffer.getvalue()

"""The district roll-up: every sub-district of the reader's district side by side, with the same figures and
trends as a sub-district's dashboard, read from the figures snapshot (``core.figures``) rather than counted
over the raw rows of the whole district on each request.

The ``command.today_figures`` job refreshes today's snapshot through the day, so the roll-up is at most one
refresh period old (the page says when); the evening snapshot then keeps the day. A sub-district with no
figures for today yet shows its latest day, marked. Three queries whatever the size of the district: the
sub-districts, the figures of the period and the time of the last refresh.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fangkong.core import catalogue
from fangkong.core.catalogue import STOCK, Family, Figure

REFRESH_JOB = "command.today_figures"


@dataclass
class RollUp:
    day: dt.date
    days: int
    subdistricts: list[tuple[int, str]]
    columns: list[tuple[Family, Figure]]
    values: dict[int, dict[str, float]] = field(default_factory=dict)  # sub-district -> key -> value
    as_of_day: dict[int, dt.date] = field(default_factory=dict)  # sub-district -> the day its values are of
    series: dict[str, list[tuple[dt.date, float]]] = field(default_factory=dict)  # key -> district totals
    refreshed_at: dt.datetime | None = None

    def value(self, key: str, sub_id: int) -> int:
        return int(round(self.values.get(sub_id, {}).get(key, 0)))

    def total(self, key: str) -> int:
        return sum(self.value(key, sub_id) for sub_id, _name in self.subdistricts)

    def stale(self, sub_id: int) -> bool:
        """Its figures are of an earlier day than the roll-up's (or it has none in the period)."""
        return self.as_of_day.get(sub_id) != self.day

    def table(self) -> list[dict[str, Any]]:
        """One row per figure: its label and measure, each sub-district's value and the district's total."""
        return [
            {
                "key": fig.key,
                "label": fig.label,
                "measure": fig.measure,
                "capability": family.capability,
                "values": [
                    self.value(fig.key, sub_id) if sub_id in self.values else None
                    for sub_id, _name in self.subdistricts
                ],
                "total": self.total(fig.key),
            }
            for family, fig in self.columns
        ]


def compute(user: Any, day: dt.date, *, days: int = 14) -> RollUp:
    """The roll-up of the sub-districts ``user`` may see, for ``day`` and the ``days`` before it."""
    from django.apps import apps

    from fangkong.core.models import DailyFigure, JobRun

    subdistrict_model: Any = apps.get_model("registry", "SubDistrict")
    subs = list(subdistrict_model.objects.visible_to(user).order_by("code", "pk").values_list("pk", "name"))
    columns = catalogue.all_figures()
    roll = RollUp(day=day, days=days, subdistricts=subs, columns=columns)
    if not subs:
        return roll
    since = day - dt.timedelta(days=days - 1)
    by_sub_day: dict[int, dict[dt.date, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    rows = DailyFigure.objects.filter(
        subdistrict_id__in=[pk for pk, _n in subs], neighborhood__isnull=True, day__gte=since, day__lte=day
    ).values_list("subdistrict_id", "day", "key", "value")
    for sub_id, row_day, key, value in rows:
        by_sub_day[sub_id][row_day][key] = value
    keys = [fig.key for _fam, fig in columns]
    totals: dict[str, dict[dt.date, float]] = {key: defaultdict(float) for key in keys}
    for sub_id, days_of in by_sub_day.items():
        latest = max(days_of)
        roll.values[sub_id] = dict(days_of[latest])
        roll.as_of_day[sub_id] = latest
        for row_day, figures in days_of.items():
            for key, value in figures.items():
                if key in totals:
                    totals[key][row_day] += value
    roll.series = {
        key: [
            (since + dt.timedelta(days=i), totals[key].get(since + dt.timedelta(days=i), 0))
            for i in range(days)
        ]
        for key in keys
    }
    roll.refreshed_at = (
        JobRun.objects.filter(job__in=(REFRESH_JOB, "core.daily_snapshot"), finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return roll


def refresh_today_job(period: dt.datetime) -> dict[str, Any]:
    """Today's figures snapshot of every sub-district, replaced on each run (the roll-up reads it)."""
    from django.utils import timezone

    from fangkong.core import figures

    day = timezone.localtime(period).date()
    if day != timezone.localdate():  # a period of an earlier day run late: the evening snapshot kept that day
        return {"day": day.isoformat(), "skipped": True}
    return {"day": day.isoformat(), "figures": figures.snapshot(day)}


def district_report_content(user: Any, day: dt.date) -> dict[str, Any]:
    """The district daily report of ``day``: each figure per sub-district and the district's total, from the
    snapshot kept for that day (so it reads the same later). Counts only, never a personal value."""
    roll = compute(user, day, days=1)
    stocks = {fig.key for _fam, fig in roll.columns if fig.kind == STOCK}
    return {
        "day": day.isoformat(),
        "subdistricts": [name for _pk, name in roll.subdistricts],
        "missing": [name for pk, name in roll.subdistricts if roll.as_of_day.get(pk) != day],
        "rows": [
            {
                "label": str(row["label"]),
                "measure": row["measure"],
                "stock": row["key"] in stocks,
                "values": [
                    roll.value(row["key"], pk) if roll.as_of_day.get(pk) == day else None
                    for pk, _n in roll.subdistricts
                ],
                "total": sum(
                    roll.value(row["key"], pk)
                    for pk, _n in roll.subdistricts
                    if roll.as_of_day.get(pk) == day
                ),
            }
            for row in roll.table()
        ],
    }


def district_report_xlsx(content: dict[str, Any]) -> bytes:
    from fangkong.core import xlsx_writer
    from fangkong.core.spreadsheet_cells import sheet_row

    headers = ["指标", "单位", *content["subdistricts"], "全区合计"]
    rows = [
        [r["label"], r["measure"], *["" if v is None else v for v in r["values"]], r["total"]]
        for r in content["rows"]
    ]
    if content["missing"]:
        rows.append([])
        rows.append(["当日无快照的街道", "、".join(content["missing"])])
    buffer = io.BytesIO()
    xlsx_writer.write(
        buffer,
        sheet_title=f"{content['day']} 区日报",
        headers=headers,
        required=[False] * len(headers),
        widths=[22.0, 8.0, *[12.0] * len(content["subdistricts"]), 12.0],
        rows=(sheet_row(row) for row in rows),
    )
    return buffer.getvalue()


def district_report_pdf(content: dict[str, Any], district_name: str) -> tuple[bytes, int]:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string(
        "command/district_report_print.html", {"content": content, "district": district_name}
    )
    document = HTML(string=html).render()
    return document.write_pdf(), len(document.pages)

"""The district viewer's pages: the roll-up of the district's sub-districts and the district daily report."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date

from fangkong.command import access, rollup
from fangkong.core import catalogue
from fangkong.core.exports import record_export

TREND_DAYS = (14, 30)


def _charts(roll: rollup.RollUp) -> list[dict[str, Any]]:
    charts = []
    for cap in catalogue.capabilities():
        figs = [fig for fam, fig in roll.columns if fam.capability == cap.key and fig.breakdown]
        if not figs:
            continue
        dates = [d for d, _v in roll.series[figs[0].key]]
        data = {
            "days": [d.strftime("%m-%d") for d in dates],
            "series": [{"name": str(f.label), "data": [v for _d, v in roll.series[f.key]]} for f in figs],
        }
        rows = [
            {"day": d, "values": [int(roll.series[f.key][i][1]) for f in figs]} for i, d in enumerate(dates)
        ]
        charts.append(
            {"key": cap.key, "label": cap.label, "figures": figs, "rows": rows, "json": json.dumps(data)}
        )
    return charts


@login_required
def district(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.district_reader(user):
        raise Http404
    days = 30 if request.GET.get("days") == "30" else 14
    roll = rollup.compute(user, timezone.localdate(), days=days)
    labels = {c.key: c.label for c in catalogue.capabilities()}
    table = [
        {**row, "capability_label": labels.get(row["capability"], row["capability"])} for row in roll.table()
    ]
    return render(
        request,
        "command/district.html",
        {
            "roll": roll,
            "table": table,
            "stale": [name for pk, name in roll.subdistricts if roll.stale(pk)],
            "charts": _charts(roll),
            "days": days,
            "trend_days": TREND_DAYS,
            "flags": access.flags(user),
        },
    )


@login_required
def district_report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The district daily report of ``?day=`` (yesterday by default) in xlsx or PDF."""
    user = request.user
    if not access.district_reader(user) or fmt not in ("xlsx", "pdf"):
        raise Http404
    today = timezone.localdate()
    day = parse_date(request.GET.get("day", "") or "") or today - dt.timedelta(days=1)
    day = min(day, today)
    content = rollup.district_report_content(user, day)
    district = getattr(getattr(user, "district", None), "name", "") or ""
    if fmt == "xlsx":
        body = rollup.district_report_xlsx(content)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, _pages = rollup.district_report_pdf(content, district)
        content_type = "application/pdf"
    record_export(user, note="district_report", changes={"format": fmt, "day": day.isoformat()})
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="district-report-{day.isoformat()}.{fmt}"'
    return response

"""The command app's pages: the dashboard (HQ's home), its drill-down lists."""

from __future__ import annotations

import json
import threading
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language

from fangkong.command import access, board
from fangkong.core import catalogue, ttlcache
from fangkong.core.htmx import is_htmx
from fangkong.core.scope import scope_signature

TREND_DAYS = (14, 30)


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    day = timezone.localdate()
    days = 30 if request.GET.get("days") == "30" else 14
    sub = _subdistrict(request)
    b = board.compute(user, day, subdistrict_id=sub[0] if sub else None)
    names = dict(b.neighborhoods)
    laggards = [
        {"hood": names.get(lag.neighborhood_id or 0, ""), "lag": lag} for lag in catalogue.laggards(user, day)
    ]
    charts = _charts(user, b, days, subdistrict_id=sub[0] if sub else None)
    return {
        "sub": sub,
        "board": b,
        "total_cells": [
            {"column": col, "value": b.value(col.key), "behind": b.behind(col), "link": b.link(col.key)}
            for col in b.columns
        ],
        "hood_rows": [
            {
                "hood": hood,
                "cells": [
                    {
                        "value": b.value(col.key, hood[0]),
                        "behind": b.behind(col, hood[0]),
                        "link": b.link(col.key, hood[0]),
                    }
                    if col.family.neighborhood and col.figure.breakdown
                    else None
                    for col in b.columns
                ],
            }
            for hood in b.neighborhoods
        ],
        "capabilities": board.heat_capabilities(b),
        "heat": board.heat_map(b),
        "laggards": laggards,
        "charts": charts,
        "days": days,
        "trend_days": TREND_DAYS,
        "poll_seconds": getattr(settings, "FANGKONG_DASHBOARD_POLL_SECONDS", 30),
        "flags": access.flags(user),
    }


_boards = ttlcache.TTLCache("command.board", max_entries=256)
_counting = threading.Lock()


def _scope_key(user: Any) -> tuple[Any, ...]:
    """Readers with the same scope (and role) share a cached board; see ``core.scope.scope_signature``."""
    return scope_signature(user)


def board_fragments(request: HttpRequest) -> dict[str, Any]:
    """The board and the trends as HTML, kept ``FANGKONG_DASHBOARD_CACHE_SECONDS`` per scope, language,
    sub-district and trend span: many HQ screens polling the same figures count them once per period."""
    sub = _subdistrict(request)
    days = 30 if request.GET.get("days") == "30" else 14

    def load() -> dict[str, Any]:
        context = dashboard_context(request)
        return {
            "board_html": render_to_string("command/_board.html", context, request=request),
            "trends_html": render_to_string("command/_trends.html", context, request=request),
            "sub": context["sub"],
        }

    ttl = getattr(settings, "FANGKONG_DASHBOARD_CACHE_SECONDS", 10)
    if ttl <= 0:
        return load()
    key = ("board", _scope_key(request.user), get_language(), sub, days, timezone.localdate())
    found = _boards.peek(key)
    if found is None:
        with _counting:  # one thread of the process counts a board; the others waiting read its result
            found = _boards.peek(key)
            if found is None:
                found = load()
                _boards.put(key, ttl, found)
    return found  # type: ignore[no-any-return]


def _subdistrict(request: HttpRequest) -> tuple[int, str] | None:
    """``?sub=``: one of the reader's sub-districts (a district viewer's drill-down from the roll-up)."""
    raw = request.GET.get("sub", "")
    if not raw:
        return None
    from django.apps import apps

    subdistrict_model: Any = apps.get_model("registry", "SubDistrict")
    found = (
        subdistrict_model.objects.visible_to(request.user)
        .filter(pk=int(raw) if raw.isdigit() else 0)
        .values_list("pk", "name")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _charts(
    user: Any, b: board.Board, days: int, *, subdistrict_id: int | None = None
) -> list[dict[str, Any]]:
    columns = [col for col in b.columns if col.family.neighborhood and col.figure.breakdown]
    series = board.trends(
        user, [col.key for col in columns], days, until=b.day, subdistrict_id=subdistrict_id
    )
    charts = []
    for cap in catalogue.capabilities():
        cols = [col for col in columns if col.family.capability == cap.key]
        if not cols:
            continue
        dates = [d for d, _v in series[cols[0].key]]
        rows = [{"day": d, "values": [series[col.key][i][1] for col in cols]} for i, d in enumerate(dates)]
        data = {
            "days": [d.strftime("%m-%d") for d in dates],
            "series": [
                {"name": str(col.figure.label), "data": [v for _d, v in series[col.key]]} for col in cols
            ],
        }
        charts.append(
            {"key": cap.key, "label": cap.label, "columns": cols, "rows": rows, "json": json.dumps(data)}
        )
    return charts


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not access.dashboard_user(request.user):
        raise Http404
    if access.district_reader(request.user) and not request.GET.get("sub") and not request.user.is_superuser:
        # A district's figures are read from the roll-up, not counted live over every sub-district.
        return redirect("command:district")
    fragments = board_fragments(request)
    if is_htmx(request):
        return HttpResponse(fragments["board_html"])
    return render(request, "command/dashboard.html", {**fragments, "flags": access.flags(request.user)})


@login_required
def figure(request: HttpRequest, key: str) -> HttpResponse:
    """The records a dashboard figure counts, in the reader's scope: its count is the figure."""
    user = request.user
    found = catalogue.figure(key)
    if not access.dashboard_user(user) or found is None:
        raise Http404
    family, fig = found
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()
    raw_hood = request.GET.get("n", "")
    hood_id = int(raw_hood) if raw_hood.isdigit() else None
    sub = _subdistrict(request)
    qs = board.records(family, fig, user, day, hood_id=hood_id, subdistrict_id=sub[0] if sub else None)
    if family.select_related:
        qs = qs.select_related(*family.select_related)
    page = Paginator(qs.order_by(*family.order_by), 100).get_page(request.GET.get("page"))
    rows = [family.row(obj) for obj in page.object_list]
    total = None
    if fig.sum_field:
        from django.db.models import Sum

        total = qs.aggregate(t=Sum(fig.sum_field))["t"] or 0
    elif fig.distinct_field:
        from django.db.models import Count

        total = qs.aggregate(t=Count(fig.distinct_field, distinct=True))["t"] or 0
    hood_name = ""
    if hood_id is not None:
        from django.apps import apps

        neighborhood_model: Any = apps.get_model("registry", "Neighborhood")
        hood = neighborhood_model.objects.visible_to(user).filter(pk=hood_id).first()
        if hood is None:
            raise Http404
        hood_name = hood.name
    return render(
        request,
        "command/figure.html",
        {
            "family": family,
            "figure": fig,
            "day": day,
            "hood_name": hood_name or (sub[1] if sub else ""),
            "page": page,
            "rows": rows,
            "sum_total": total,
            "flags": access.flags(user),
        },
    )

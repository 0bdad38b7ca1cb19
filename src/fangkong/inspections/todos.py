"""The inspections app's to-dos (``core.todos``): the firms of today's call list not called yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.todos import WARNING, Todo
from fangkong.inspections import access, selectors


def todos(user: Any, today: dt.date) -> list[Todo]:
    """今日未致电企业: the call list filtered to the firms not called today (its count, one row fetched)."""
    if not access.may_manage(user):
        return []
    data = selectors.call_list(user, day=today, show="not_called", per_page=1)
    return [
        Todo(
            key="inspections.not_called",
            label=_("今日未致电企业"),
            count=data.not_called,
            url=reverse("inspections:call_list") + "?show=not_called",
            severity=WARNING,
            group="inspections",
        )
    ]

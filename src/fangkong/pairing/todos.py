"""The pairing app's to-dos (``core.todos``): today's check-ins past their deadline, for those who manage them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.todos import DANGER, Todo
from fangkong.pairing import access, reports


def todos(user: Any, today: dt.date) -> list[Todo]:
    """逾期未打卡: the rounds of the rounds page's "missed today" list (one query)."""
    if not (access.is_manager(user) and access.may_work(user)):
        return []
    return [
        Todo(
            key="pairing.checkins_missed",
            label=_("逾期未打卡"),
            count=reports.missed_today(user).count(),
            url=reverse("pairing:rounds") + "#missed",
            severity=DANGER,
            group="pairing",
        )
    ]

"""The masks app's to-dos (``core.todos``): the bookings waiting in the queue, linked to the dashboard's list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.core.todos import INFO, Todo, figure_todo
from fangkong.masks import access


def todos(user: Any, today: dt.date) -> list[Todo]:
    if not access.can_work(user):
        return []
    return figure_todo(user, today, "masks.waiting", severity=INFO, label=_("口罩预约排队等候"))

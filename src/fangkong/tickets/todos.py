"""The tickets app's to-dos (``core.todos``): the open tickets of the user's scope, the board's rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core import scope
from fangkong.core.choices import Domain
from fangkong.core.todos import WARNING, Todo
from fangkong.tickets import access, selectors
from fangkong.tickets.choices import OPEN_STATES


def todos(user: Any, today: dt.date) -> list[Todo]:
    """未完成报修: the tickets the board lists (one query)."""
    if not (access.may_see_tickets(user) and scope.works_in_domain(user, Domain.TICKETS)):
        return []
    count = selectors.tickets_for(user).filter(state__in=list(OPEN_STATES)).order_by().count()
    return [
        Todo(
            key="tickets.open",
            label=_("未完成报修"),
            count=count,
            url=reverse("tickets:board"),
            severity=WARNING,
            group="tickets",
        )
    ]

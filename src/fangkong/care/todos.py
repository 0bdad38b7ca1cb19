"""The care app's to-dos (``core.todos``): the people in care whose delivery of this week is missed so far."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.care import access, selectors
from fangkong.core import scope
from fangkong.core.choices import Domain
from fangkong.core.todos import DANGER, Todo


def todos(user: Any, today: dt.date) -> list[Todo]:
    """本周漏送: the care app's missed list (one query)."""
    if not (access.may_see_care(user) and scope.works_in_domain(user, Domain.CARE)):
        return []
    return [
        Todo(
            key="care.missed",
            label=_("本周漏送"),
            count=selectors.missed(user, today=today).count(),
            url=reverse("care:missed"),
            severity=DANGER,
            group="care",
        )
    ]

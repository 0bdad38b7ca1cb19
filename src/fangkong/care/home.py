"""The care app's panel on the home page: the people in care and who is missing this week's delivery."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangkong.care import access, selectors
from fangkong.care.rules import week_of
from fangkong.core.navigation import register_home_panel


def care_panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    if not access.may_see_care(user):
        return None
    today = timezone.localdate()
    active = selectors.register(user, week=week_of(today)).count()
    if not active:
        return None
    return {
        "template": "care/_home.html",
        "active": active,
        "missed": selectors.missed(user, today=today).count(),
    }


def register_home_panels() -> None:
    register_home_panel(care_panel, order=500)

"""HQ's home page is the dashboard: a home panel (``core.navigation``) that draws the board and polls it."""

from __future__ import annotations

from typing import Any

from fangkong.command import access


def dashboard_panel(request: Any) -> dict[str, Any] | None:
    if not access.dashboard_is_home(request.user):
        return None
    from fangkong.command.views import board_fragments

    return {"template": "command/_home_dashboard.html", **board_fragments(request)}

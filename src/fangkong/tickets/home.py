"""The tickets app's home-page panel: open tickets of the user's scope, with the clocks breached."""

from __future__ import annotations

from typing import Any

from fangkong.tickets import access, selectors


def panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    if not access.may_see_tickets(user):
        return None
    rows = selectors.board(user, limit=200)
    if not rows:
        return None
    return {
        "template": "tickets/_home_panel.html",
        "open": len(rows),
        "breached": sum(1 for r in rows if r.worst == "breached"),
        "warn": sum(1 for r in rows if r.worst == "warn"),
    }

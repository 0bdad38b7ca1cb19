"""The inspections panel of the home page: the firms by status in the user's scope."""

from __future__ import annotations

from typing import Any

from fangkong.inspections import access, selectors
from fangkong.inspections.choices import FirmStatus


def firms_panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    if not access.may_see_firms(user) or access.flags(user)["contact"]:
        return None
    counts = selectors.status_counts(user)
    if not any(counts.values()):
        return None
    return {
        "template": "inspections/_home_panel.html",
        "counts": [(FirmStatus(s).label, s, n) for s, n in counts.items()],
    }

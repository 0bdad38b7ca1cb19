from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fangkong.core.navigation import grouped_menu


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_menu": grouped_menu(user, request.path) if user is not None else []}

"""The REST API: one NinjaAPI, one router per domain app (``fangkong/api/routers/<app>.py``, each exposing
``router``), scoped exactly like the web through ``visible_to(user)``."""

from __future__ import annotations

import importlib
import pkgutil

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from fangkong.api import routers
from fangkong.api.auth import BearerToken, SessionAuth
from fangkong.core import ratelimit

api = NinjaAPI(
    title="fangkong API",
    version="1",
    description="防控平台接口：与网页同一套权限范围。",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": "Not Found"}, status=404)


@api.exception_handler(NinjaValidationError)
def invalid(request: HttpRequest, exc: NinjaValidationError):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(ratelimit.RateLimited)
def rate_limited(request: HttpRequest, exc: ratelimit.RateLimited):  # type: ignore[no-untyped-def]
    return ratelimit.response(request, exc)


@api.get("/health", auth=None, tags=["system"])
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


for info in sorted(pkgutil.iter_modules(routers.__path__), key=lambda m: m.name):
    module = importlib.import_module(f"{routers.__name__}.{info.name}")
    api.add_router(f"/{info.name}/", module.router, tags=[info.name])

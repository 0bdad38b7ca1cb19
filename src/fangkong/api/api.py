"""The REST API: one NinjaAPI, one router per domain app (``fangkong/api/routers/<app>.py``, each exposing
``router``), scoped exactly like the web through ``visible_to(user)``."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from fangkong.api import routers
from fangkong.api.auth import BearerToken, SessionAuth
from fangkong.core import ratelimit
from fangkong.core.middleware import is_bad_number


class BodyError(ValueError):
    """A request body that is not what the API reads: JSON text in UTF-8 (its message is the answer)."""


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


class StrictJSONParser(Parser):
    """JSON in UTF-8, without lone surrogates (\\ud800 escapes that no text can hold, which the database
    would refuse later with a server error)."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise BodyError(_("请求内容不是 UTF-8 编码的 JSON。"))
        data = json.loads(text)
        if "\\u" in text.lower() and _has_surrogate(data):
            raise BodyError(_("请求内容含有无效的 Unicode 字符（单独的代理项）。"))
        return data


_ERROR_ANSWERS = {
    400: "请求内容无法读取（不是 UTF-8 的 JSON）或数据无效",
    401: "未登录或令牌无效",
    404: "不存在，或不在您的权限范围内",
    413: "请求内容过大",
    422: "参数或请求内容不符合格式",
    429: "请求过于频繁，请按 Retry-After 稍后再试",
}


class FangkongAPI(NinjaAPI):
    """The API, whose OpenAPI document also lists the error answers every operation can give: 422 for
    parameters or a body that do not validate, 400 and 413 for a body that cannot be read, 404 where the path
    names an object (missing and out of scope are the same answer), 401 where an account is needed, and 429
    for the public POSTs the rate limiter counts. Each is ``{"detail": ...}``. Answers an operation
    declares itself (409, a 400 with its own schema) are kept as they are."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorDetail"] = {
            "title": "ErrorDetail",
            "type": "object",
            "properties": {"detail": {"title": "Detail"}},
            "required": ["detail"],
        }
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                codes = []
                if operation.get("parameters") or operation.get("requestBody"):
                    codes.append(422)
                if operation.get("requestBody"):
                    codes += [400, 413]
                if "{" in path:
                    codes.append(404)
                if operation.get("security"):
                    codes.append(401)
                elif method == "post":
                    codes.append(429)
                responses = operation.setdefault("responses", {})
                for code in codes:
                    if code in responses or str(code) in responses:
                        continue
                    responses[code] = {
                        "description": _ERROR_ANSWERS[code],
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}
                        },
                    }
        return schema


api = FangkongAPI(
    title="fangkong API",
    version="1",
    description="防控平台接口：与网页同一套权限范围。",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
    parser=StrictJSONParser(),
)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):  # type: ignore[no-untyped-def]
    cause = exc.__cause__
    detail = str(cause) if isinstance(cause, BodyError) else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": _("请求内容过大。")}, status=413)


@api.exception_handler(ValueError)
def bad_value(request: HttpRequest, exc: ValueError):  # type: ignore[no-untyped-def]
    if not is_bad_number(exc):
        raise exc
    return api.create_response(request, {"detail": _("提交的数据无效：编号和数量须为数字。")}, status=400)


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

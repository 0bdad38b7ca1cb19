from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

_LANGUAGES = {code for code, _name in settings.LANGUAGES}


class LanguageMiddleware:
    """Simplified Chinese unless the user chose another language with the switch (a cookie); the browser's
    Accept-Language is not consulted, so a shared or foreign-language device still opens in Chinese."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in _LANGUAGES else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (settings.CONTENT_SECURITY_POLICY,
    settings.PERMISSIONS_POLICY); a view that sets its own keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


# The messages of the errors Python and Django raise when a submitted value that should be a number is not:
# Django's integer lookups ("Field 'id' expected a number but got 'x'."), int() and float().
_NOT_A_NUMBER = (
    "expected a number but got",
    "invalid literal for int()",
    "could not convert string to float",
)


def is_bad_number(exc: BaseException) -> bool:
    """Whether ``exc`` is a submitted value that should have been a number (an id, a version, a count)."""
    return isinstance(exc, (ValueError, TypeError)) and any(text in str(exc) for text in _NOT_A_NUMBER)


class BadInputMiddleware:
    """A safety net under the forms: a request whose id or number field holds something else (``pk=abc``)
    is answered 400 with a clear message instead of a server error. Forms validate their own fields; this
    catches the views that look a posted id up directly."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_bad_number(exception):
            return None
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        message = _("提交的数据无效：编号和数量须为数字。")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")

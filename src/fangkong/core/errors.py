"""The one conversion of a service's ``ValidationError`` into what a page or the API shows.

Services raise ``ValidationError`` (with a message dict keyed by field, or plain messages); views and API
routers turn it into form errors, flash messages, a text or an API detail with these functions, and nowhere
else. A key that is not a field of the form becomes a form-wide error, so a service may name any field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest


def error_dict(exc: ValidationError) -> dict[str, list[str]]:
    """The messages by field; messages without a field under ``"__all__"``."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {NON_FIELD_ERRORS: exc.messages}


def error_text(exc: ValidationError, sep: str = " ") -> str:
    """Every message in one line."""
    return sep.join(exc.messages)


def add_form_errors(form: Any, exc: ValidationError, *, fields: Mapping[str, str] | None = None) -> None:
    """Put the messages on ``form``: on the field they name (renamed through ``fields`` when a service's key
    differs from the form's field), form-wide when the form has no such field."""
    for key, errors in error_dict(exc).items():
        field = (fields or {}).get(key, key)
        form.add_error(field if field in form.fields else None, errors)


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Each message as an error message of the next page."""
    for message in exc.messages:
        messages.error(request, message)


def api_detail(exc: ValidationError) -> dict[str, list[str]] | list[str]:
    """The ``detail`` of an API error answer: the messages by field, or the list of messages."""
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


def api_text(exc: ValidationError, *, keyed: bool = False) -> str:
    """The text of an API error raised as ``HttpError``: the messages joined by "；", or with ``keyed`` each
    field's messages after its name ("field: message; …")."""
    if keyed:
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error_dict(exc).items())
    return "；".join(exc.messages)

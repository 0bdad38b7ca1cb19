"""Validators for the rules every part keeps. Each returns the normalised value or raises ValidationError
with a message in the user's language. Personal values (identity documents, mobiles) live in
``core.personal``, the one door for personal data; their names are re-exported here."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

# Identity documents and mobiles are validated by the personal-data pipeline; the names stay importable here.
from fangkong.core.personal import (
    IdCheck,
    _today,
    check_document,
    check_resident_id,
    normalize_id_number,
    normalize_phone,
    validate_mobile,
    validate_resident_id,
)

TEMPERATURE_MIN = 34.0
TEMPERATURE_MAX = 42.0


def validate_credit_code(raw: str) -> str:
    """Unified social credit codes (GB 32100)."""
    value = normalize_id_number(raw)
    if not value:
        raise ValidationError(_("请填写统一社会信用代码。"), code="required")
    try:
        return uscc.validate(value)
    except InvalidLength:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="length")
    except InvalidChecksum:
        raise ValidationError(_("统一社会信用代码校验位不正确。"), code="checksum")
    except StdnumError:
        raise ValidationError(_("统一社会信用代码格式不正确。"), code="format")


NAME_MAX = 50


def validate_name(raw: object, *, max_length: int = NAME_MAX, required: bool = True) -> str:
    """A person's name as typed, refused rather than mangled: surrounding spaces are dropped, and a name that
    holds a control character (NUL included), an invisible formatting character (bidi overrides, zero-width
    spaces and joiners), a lone surrogate or U+FFFD (what invalid UTF-8 decodes to), or that is longer than
    ``max_length``, is refused with a message. Used by forms, the API and imports through the services."""
    value = str(raw or "").strip()
    if not value:
        if required:
            raise ValidationError(_("请填写姓名。"), code="required")
        return ""
    for ch in value:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs") or ch in ("\ufffd", "\u2028", "\u2029"):
            if ch == "\ufffd":
                message = _("姓名含有无法识别的字符（可能是编码错误），请重新输入。")
            else:
                message = _("姓名含有不可见字符或控制字符（U+%(code)04X），请重新输入。") % {"code": ord(ch)}
            raise ValidationError(message, code="invisible")
    if len(value) > max_length:
        raise ValidationError(_("姓名不能超过%(n)d个字。") % {"n": max_length}, code="max_length")
    return value


def validate_text(raw: object, *, max_length: int, label: str, multiline: bool = False) -> str:
    """A free text typed by a person (a room, a trip number, a note), refused rather than mangled: the same
    invisible and control characters as ``validate_name`` (line breaks allowed in a multi-line note), and no
    more than ``max_length`` characters. Empty is allowed; the caller decides whether it is required."""
    value = str(raw or "").strip()
    allowed = {"\n", "\r", "\t"} if multiline else set()
    for ch in value:
        if ch in allowed:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs") or ch in ("\ufffd", "\u2028", "\u2029"):
            raise ValidationError(
                _("%(label)s含有不可见字符、控制字符或无法识别的字符，请重新输入。") % {"label": label},
                code="invisible",
            )
    if len(value) > max_length:
        raise ValidationError(
            _("%(label)s不能超过%(n)d个字。") % {"label": label, "n": max_length}, code="max_length"
        )
    return value


def validate_temperature(raw: object) -> float:
    """A body temperature in °C, checked against the range as given (42.05 is refused, not rounded to 42.0
    first), then rounded to one decimal."""
    try:
        exact = float(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(_("体温应为数字，例如 36.5。"), code="format")
    if not TEMPERATURE_MIN <= exact <= TEMPERATURE_MAX:  # also refuses nan and inf
        raise ValidationError(
            _("体温应在 %(lo).1f–%(hi).1f °C 之间。") % {"lo": TEMPERATURE_MIN, "hi": TEMPERATURE_MAX},
            code="range",
        )
    return round(exact, 1)


def validate_date_range(
    value: dt.date, *, earliest: dt.date | None = None, latest: dt.date | None = None, label: str = ""
) -> dt.date:
    label = label or _("日期")
    if earliest and value < earliest:
        raise ValidationError(
            _("%(label)s不能早于 %(d)s。") % {"label": label, "d": earliest}, code="too_early"
        )
    if latest and value > latest:
        raise ValidationError(_("%(label)s不能晚于 %(d)s。") % {"label": label, "d": latest}, code="too_late")
    return value


def validate_not_future(value: dt.date, label: str = "") -> dt.date:
    return validate_date_range(value, latest=_today(), label=label)


__all__ = [
    "IdCheck",
    "check_document",
    "check_resident_id",
    "normalize_id_number",
    "normalize_phone",
    "validate_credit_code",
    "validate_date_range",
    "validate_mobile",
    "validate_name",
    "validate_not_future",
    "validate_resident_id",
    "validate_temperature",
    "validate_text",
]

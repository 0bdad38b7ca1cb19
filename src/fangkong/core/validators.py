"""Validators for the rules every part keeps. Each returns the normalised value or raises ValidationError
with a message in the user's language."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from fangkong.core.choices import DocumentType

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SPACES = re.compile(r"[\s\-]")

TEMPERATURE_MIN = 34.0
TEMPERATURE_MAX = 42.0


@dataclass
class IdCheck:
    value: str
    birth_date: dt.date | None = None
    gender: str = ""
    warnings: list[str] = field(default_factory=list)


def _today() -> dt.date:
    return timezone.localdate()


def normalize_id_number(raw: str) -> str:
    return _SPACES.sub("", (raw or "").strip()).upper()


def check_resident_id(raw: str) -> IdCheck:
    """GB 11643: 18 characters, check digit, a real birth date not in the future.

    An unknown administrative region code is a warning, not an error.
    """
    value = normalize_id_number(raw)
    if not value:
        raise ValidationError(_("请填写身份证号。"), code="required")
    if len(value) != 18:
        raise ValidationError(_("身份证号应为18位，当前为%(n)d位。") % {"n": len(value)}, code="length")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("身份证号格式不正确：前17位应为数字，末位为数字或X。"), code="format")
    if ric.calc_check_digit(value) != value[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="checksum")
    try:
        birth = ric.get_birth_date(value)
    except (InvalidComponent, InvalidFormat, ValueError):
        raise ValidationError(_("身份证号中的出生日期不存在。"), code="birth_date")
    if birth > _today():
        raise ValidationError(_("身份证号中的出生日期在未来。"), code="birth_future")
    if birth.year < 1890:
        raise ValidationError(_("身份证号中的出生日期不合理。"), code="birth_past")
    check = IdCheck(value=value, birth_date=birth, gender="M" if int(value[16]) % 2 else "F")
    try:
        ric.get_birth_place(value)
    except (InvalidComponent, StdnumError):
        check.warnings.append(_("身份证号的地区码 %(code)s 未知，请核对。") % {"code": value[:6]})
    return check


_DOCUMENT_PATTERNS = {
    DocumentType.PASSPORT: re.compile(r"^[A-Z0-9]{5,17}$"),
    DocumentType.HK_MACAO: re.compile(r"^[HM]\d{8,10}$"),
    DocumentType.TAIWAN: re.compile(r"^(\d{8}|\d{10}|[A-Z]\d{8,9})$"),
    DocumentType.FOREIGN_PR: re.compile(r"^([A-Z]{3}\d{12}|9\d{16}[\dX])$"),
}


def check_document(doc_type: str, raw: str) -> IdCheck:
    """Validate an identity document of any allowed type."""
    if doc_type in ("", None, DocumentType.RESIDENT_ID):
        return check_resident_id(raw)
    if doc_type not in _DOCUMENT_PATTERNS:
        raise ValidationError(_("不支持的证件类型：%(t)s") % {"t": doc_type}, code="doc_type")
    value = normalize_id_number(raw)
    if not value:
        raise ValidationError(_("请填写证件号码。"), code="required")
    if not _DOCUMENT_PATTERNS[DocumentType(doc_type)].match(value):
        raise ValidationError(
            _("%(type)s号码格式不正确。") % {"type": DocumentType(doc_type).label}, code="format"
        )
    return IdCheck(value=value)


def validate_resident_id(raw: str) -> str:
    return check_resident_id(raw).value


def normalize_phone(raw: str) -> str:
    value = _SPACES.sub("", str(raw or "").strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def validate_mobile(raw: str) -> str:
    """Mainland mobile numbers: 1[3-9] followed by 9 digits, and a number phonenumbers accepts."""
    value = normalize_phone(raw)
    if not value:
        raise ValidationError(_("请填写手机号码。"), code="required")
    if not _MOBILE.match(value):
        raise ValidationError(_("手机号码应为11位，以13–19开头。"), code="format")
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("手机号码无法识别。"), code="format")
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("手机号码不是有效号段。"), code="invalid")
    return value


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

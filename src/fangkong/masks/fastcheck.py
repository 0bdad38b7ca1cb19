r"""Lean equivalents of the core validators and personal-data sealing for the public booking hot path.

They give exactly the results of ``fangkong.core.validators.check_resident_id(...).value`` and
``validate_mobile`` (same normalised value, same error codes and messages; see tests/test_fastcheck.py), at a
fraction of the cost: the ID check digit and birth date are computed directly, "today" is recomputed only when
the local day changes, and the phonenumbers verdict is cached per 6-digit prefix (for 11-digit numbers that
start with 13–19, the CN metadata decides validity on the first 6 digits: its mobile pattern is
``1(?:610\d|740[0-5])\d{6}|1(?:[38]\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\d{8}``, and no other number type
of CN starts with 13–19; tests/test_fastcheck.py checks that the verdict never changes after 6 digits).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import time
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import crypto
from fangkong.core.validators import _MOBILE, _SPACES, check_resident_id, validate_mobile

_DIGITS = frozenset("0123456789")
_day: tuple[float, dt.date] = (0.0, dt.date.min)  # (end of the cached local day in epoch s, the day)


def local_today() -> dt.date:
    """``timezone.localdate()``, recomputed only when the local day has ended."""
    global _day
    ends, day = _day
    if time.time() < ends:
        return day
    local = timezone.localtime()
    today = local.date()
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    _day = (midnight.timestamp(), today)
    return today


def resident_id(raw: str) -> str:
    """The normalised value of ``core.validators.check_resident_id(raw)``; raises the same errors."""
    value = _SPACES.sub("", (raw or "").strip()).upper()
    if not value:
        raise ValidationError(_("请填写身份证号。"), code="required")
    if len(value) != 18:
        raise ValidationError(_("身份证号应为18位，当前为%(n)d位。") % {"n": len(value)}, code="length")
    head, last = value[:17], value[17]
    if not head.isdigit() or not (last.isdigit() or last == "X"):
        raise ValidationError(_("身份证号格式不正确：前17位应为数字，末位为数字或X。"), code="format")
    if not _DIGITS.issuperset(head):  # other Unicode digits: the core validator decides
        return _core_resident_id(value)
    checksum = (1 - 2 * int(head, 13)) % 11  # the GB 11643 check digit, as stdnum computes it
    if ("X" if checksum == 10 else str(checksum)) != last:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="checksum")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期不存在。"), code="birth_date")
    if birth > local_today():
        raise ValidationError(_("身份证号中的出生日期在未来。"), code="birth_future")
    if birth.year < 1890:
        raise ValidationError(_("身份证号中的出生日期不合理。"), code="birth_past")
    return value


def _core_resident_id(value: str) -> str:
    try:
        return check_resident_id(value).value
    except (ValueError, TypeError):  # digits int() cannot read: a format error, never a crash
        raise ValidationError(_("身份证号格式不正确：前17位应为数字，末位为数字或X。"), code="format")


def _core_mobile(value: str) -> str:
    try:
        return validate_mobile(value)
    except (ValueError, TypeError):
        raise ValidationError(_("手机号码无法识别。"), code="format")


def _prefix_valid(number: str) -> bool:
    """phonenumbers' verdict on an 11-digit 1[3-9] number (kept per 6-digit prefix by the caller)."""
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))
    except phonenumbers.NumberParseException:  # pragma: no cover - a 1[3-9]\d{9} number always parses
        return False


PREFIX_DIGITS = 6
_verdicts: dict[str, bool] = {}


def mobile_prefix_valid(value: str) -> bool:
    """Whether phonenumbers accepts the ASCII 11-digit 1[3-9] number, cached per 6-digit prefix (at most
    70,000 of them exist)."""
    prefix = value[:PREFIX_DIGITS]
    verdict = _verdicts.get(prefix)
    if verdict is None:
        verdict = _prefix_valid(value)
        _verdicts[prefix] = verdict
    return verdict


def mobile(raw: str) -> str:
    """The value of ``core.validators.validate_mobile(raw)``; raises the same errors."""
    value = _SPACES.sub("", str(raw or "").strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not value:
        raise ValidationError(_("请填写手机号码。"), code="required")
    if not _MOBILE.match(value):
        raise ValidationError(_("手机号码应为11位，以13–19开头。"), code="format")
    if not _DIGITS.issuperset(value):  # other Unicode digits: the core validator decides
        return _core_mobile(value)
    if not mobile_prefix_valid(value):
        raise ValidationError(_("手机号码不是有效号段。"), code="invalid")
    return value


# ---------------------------------------------------------------------------------------------- sealing


@lru_cache(maxsize=4)
def _hmac_base(hash_key: bytes) -> hmac.HMAC:
    return hmac.new(hash_key, digestmod=hashlib.sha256)


def sealed_pair(id_value: str, phone_value: str) -> tuple[crypto.Sealed, crypto.Sealed]:
    """``crypto.seal("id_number", id_value)`` and ``crypto.seal("phone", phone_value)`` with one keyring
    lookup and a prepared HMAC (decryptable by ``crypto.decrypt``, hashes equal to ``crypto.lookup_hash``)."""
    ring = crypto.keyring()
    aead = ring.keys[ring.primary_id]
    base = _hmac_base(ring.hash_key)
    out = []
    for kind, value in (("id_number", id_value), ("phone", phone_value)):
        if not value:
            out.append(crypto.Sealed("", "", ""))
            continue
        nonce = os.urandom(12)
        token = f"{ring.primary_id}${base64.b64encode(nonce + aead.encrypt(nonce, value.encode(), None)).decode()}"
        mac = base.copy()
        mac.update(f"{kind}:{value}".encode())
        out.append(crypto.Sealed(token, mac.hexdigest(), crypto.mask(kind, value)))
    return out[0], out[1]

"""Personal data, one door: normalise → validate → hash → seal → mask, for every kind of personal value.

A personal value (an identity document number, a mobile number) is stored in three columns, declared on the
model with ``core.models.personal_fields(label, kind=...)``: ``<name>_enc`` (AES-GCM ciphertext tagged with
the key id, see ``core.crypto``), ``<name>_hash`` (HMAC-SHA256 under FANGKONG_HASH_KEY of ``"<kind>:<value>"``,
for exact lookup and deduplication) and ``<name>_masked`` (what pages show). The kind is declared once, on
those fields; ``kind_of(model, name)`` reads it.

The pipeline, each step a function of this module:

- normalise: ``normalize_id_number``, ``normalize_phone``;
- validate: ``check_resident_id`` (GB 11643), ``check_document`` (any allowed document type),
  ``validate_mobile``; each returns the normalised value (or an ``IdCheck``) or raises ValidationError
  with a message in the user's language;
- hash: ``lookup_hash``;
- seal: ``seal`` (ciphertext, hash and mask of one value), ``seal_all`` (several values, one key lookup),
  ``columns`` / ``set_columns`` (the three column values of a field);
- mask: ``mask``.

Hot paths (the public booking page, a 150,000-row import) use the cached variants, which give exactly the
results of the plain ones (``core/tests/test_personal.py`` checks this with hypothesis):

- ``check_resident_id_cached``: the check digit and birth date computed directly, "today" recomputed only
  when the local day changes, the region-code warning kept per (region code, birth year): some codes were
  valid only in some years;
- ``validate_mobile_cached``: phonenumbers' verdict kept per 5-digit prefix. For 11-digit numbers that start
  with 13–19 the CN metadata decides validity on the first 5 digits: its mobile pattern is
  ``1(?:610\\d|740[0-5])\\d{6}|1(?:[38]\\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\\d{8}`` (the longest
  constrained head, ``1740[0-5]``, is 5 digits), and no other number type of CN starts with 13–19. (The
  import cached per 5 digits and the booking path per 6, each documenting its own premise.) The tests
  check both: no 5-digit prefix has a verdict that depends on the 6th digit, and no 6-digit prefix one that
  depends on the rest (a metadata update that splits a range later fails them);
- ``Sealer``: a batch sealer for one import (one keyring lookup, a prepared HMAC key, nonces read from the
  system in blocks). One instance belongs to one thread.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import time
from binascii import b2a_base64
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, NamedTuple

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent, InvalidFormat
from stdnum.exceptions import ValidationError as StdnumError

from fangkong.core import crypto
from fangkong.core.choices import DocumentType

ID_NUMBER = "id_number"
PHONE = "phone"
KINDS = (ID_NUMBER, PHONE)

# ------------------------------------------------------------------------------------------- normalise

_SPACES = re.compile(r"[\s\-]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_id_number(raw: str) -> str:
    """An identity document number as typed: spaces and dashes dropped, upper case (a final ``x`` is ``X``)."""
    return _SPACES.sub("", (raw or "").strip()).upper()


def normalize_phone(raw: str) -> str:
    """A phone number as typed: spaces and dashes dropped, and one leading +86 or 0086."""
    value = _SPACES.sub("", str(raw or "").strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


# -------------------------------------------------------------------------------------------- validate


@dataclass
class IdCheck:
    value: str
    birth_date: dt.date | None = None
    gender: str = ""
    warnings: list[str] = field(default_factory=list)


def _today() -> dt.date:
    return timezone.localdate()


def check_resident_id(raw: str, *, today: dt.date | None = None) -> IdCheck:
    """GB 11643: 18 characters, check digit, a real birth date not after ``today`` (default: today, local
    time).

    An unknown administrative region code is a warning, not an error. Digits that are digits to Unicode
    but not to ``int`` (superscripts) are a format error."""
    value = normalize_id_number(raw)
    if not value:
        raise ValidationError(_("请填写身份证号。"), code="required")
    if len(value) != 18:
        raise ValidationError(_("身份证号应为18位，当前为%(n)d位。") % {"n": len(value)}, code="length")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("身份证号格式不正确：前17位应为数字，末位为数字或X。"), code="format")
    try:
        check_digit = ric.calc_check_digit(value)
    except (ValueError, TypeError):
        raise ValidationError(_("身份证号格式不正确：前17位应为数字，末位为数字或X。"), code="format")
    if check_digit != value[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="checksum")
    try:
        birth = ric.get_birth_date(value)
    except (InvalidComponent, InvalidFormat, ValueError):
        raise ValidationError(_("身份证号中的出生日期不存在。"), code="birth_date")
    if birth > (today or _today()):
        raise ValidationError(_("身份证号中的出生日期在未来。"), code="birth_future")
    if birth.year < 1890:
        raise ValidationError(_("身份证号中的出生日期不合理。"), code="birth_past")
    try:
        gender = "M" if int(value[16]) % 2 else "F"
    except ValueError:
        raise ValidationError(_("身份证号格式不正确：前17位应为数字，末位为数字或X。"), code="format")
    check = IdCheck(value=value, birth_date=birth, gender=gender)
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


def validate_mobile(raw: str) -> str:
    """Mainland mobile numbers: 1[3-9] followed by 9 digits, and a number phonenumbers accepts."""
    value = normalize_phone(raw)
    if not value:
        raise ValidationError(_("请填写手机号码。"), code="required")
    if not _MOBILE.match(value):
        raise ValidationError(_("手机号码应为11位，以13–19开头。"), code="format")
    try:
        parsed = phonenumbers.parse(value, "CN")
    except (phonenumbers.NumberParseException, ValueError, TypeError):
        raise ValidationError(_("手机号码无法识别。"), code="format")
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("手机号码不是有效号段。"), code="invalid")
    return value


def clean(kind: str, raw: str, *, doc_type: str = "") -> str:
    """The normalised value of a personal value of ``kind``, validated (an identity number as a document of
    ``doc_type``, a resident ID by default); raises ValidationError."""
    if kind == ID_NUMBER:
        return check_document(doc_type or DocumentType.RESIDENT_ID, raw).value
    if kind == PHONE:
        return validate_mobile(raw)
    raise KeyError(kind)


# ----------------------------------------------------------------------------------- cached variants

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


_birth_dates: dict[str, dt.date | None] = {}
_region_warnings: dict[tuple[str, int], tuple[str, ...]] = {}


def _birth_date(date_text: str) -> dt.date | None:
    """The calendar date of ``YYYYMMDD`` (what stdnum's ``ric.get_birth_date`` gives), None if none."""
    birth = _birth_dates.get(date_text, False)
    if birth is False:
        try:
            birth = dt.date(int(date_text[:4]), int(date_text[4:6]), int(date_text[6:8]))
        except ValueError:
            birth = None
        if len(_birth_dates) < 200_000:
            _birth_dates[date_text] = birth
    return birth  # type: ignore[return-value]


def check_resident_id_cached(raw: str, today: dt.date | None = None) -> IdCheck:
    """``check_resident_id(raw)``, with the same result and errors. ``today`` is the date a birth date may
    not pass (default: today, local time).

    The accepting path checks exactly what the plain check checks, for ASCII digits; anything it does not
    accept goes to the plain check, which raises the message."""
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[17] != "x":
        value = raw
    else:
        value = normalize_id_number(raw)
    if len(value) == 18 and value.isascii():
        head, last = value[:17], value[17]
        if head.isdigit() and (last.isdigit() or last == "X"):
            checksum = (1 - 2 * int(head, 13)) % 11  # the GB 11643 check digit, as stdnum computes it
            if ("X" if checksum == 10 else str(checksum)) == last:
                birth = _birth_date(value[6:14])
                if birth is not None and birth.year >= 1890 and birth <= (today or local_today()):
                    key = (value[:6], birth.year)
                    warnings = _region_warnings.get(key)
                    if warnings is None:
                        warnings = _region_warnings[key] = tuple(check_resident_id(value).warnings)
                    return IdCheck(value, birth, "M" if int(value[16]) % 2 else "F", list(warnings))
    return check_resident_id(value, today=today)


PREFIX_DIGITS = 5
_mobile_verdicts: dict[str, bool] = {}


def _prefix_valid(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))
    except phonenumbers.NumberParseException:  # pragma: no cover - a 1[3-9]\d{9} number always parses
        return False


def validate_mobile_cached(raw: str) -> str:
    """``validate_mobile(raw)``, with the same result and errors; phonenumbers' verdict on an ASCII
    11-digit 1[3-9] number is kept per 5-digit prefix (at most 7,000 of them exist)."""
    value = raw if (len(raw) == 11 and raw.isascii() and raw.isdigit()) else normalize_phone(raw)
    if len(value) == 11 and value.isascii() and _MOBILE.match(value):
        prefix = value[:PREFIX_DIGITS]
        verdict = _mobile_verdicts.get(prefix)
        if verdict is None:
            verdict = _mobile_verdicts[prefix] = _prefix_valid(value)
        if verdict:
            return value
    return validate_mobile(raw)


# ------------------------------------------------------------------------------------------------ hash


def lookup_hash(kind: str, value: str, *, ring: crypto.Keyring | None = None) -> str:
    """The keyed lookup hash of a normalised value of ``kind`` (the ``<name>_hash`` column)."""
    return crypto.lookup_hash(kind, value, ring=ring)


@lru_cache(maxsize=4)
def _hmac_base(hash_key: bytes) -> hmac.HMAC:
    return hmac.new(hash_key, digestmod=hashlib.sha256)


# ------------------------------------------------------------------------------------------------ mask


def mask(kind: str, value: str) -> str:
    """What pages show: the first 3 and last 4 characters (all stars for 7 characters or fewer)."""
    if not value:
        return ""
    if kind == PHONE:
        return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * len(value)
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(name: str) -> str:
    """A name as reports and dashboards show it: the family name and a star per other character (张*, 欧***)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


# ------------------------------------------------------------------------------------------------ seal


class Sealed(NamedTuple):
    enc: str
    hash: str
    masked: str


EMPTY = Sealed("", "", "")


def seal(kind: str, value: str, *, ring: crypto.Keyring | None = None) -> Sealed:
    """Encrypt, hash and mask one normalised personal value (all three empty for an empty value)."""
    if not value:
        return EMPTY
    return seal_all([(kind, value)], ring=ring)[0]


def seal_all(items: list[tuple[str, str]], *, ring: crypto.Keyring | None = None) -> list[Sealed]:
    """``seal`` of several (kind, value) pairs with one keyring lookup and a prepared HMAC key."""
    ring = ring or crypto.keyring()
    aead = ring.keys[ring.primary_id]
    base = _hmac_base(ring.hash_key)
    out = []
    for kind, value in items:
        if not value:
            out.append(EMPTY)
            continue
        nonce = os.urandom(12)
        body = base64.b64encode(nonce + aead.encrypt(nonce, value.encode(), None)).decode()
        mac = base.copy()
        mac.update(f"{kind}:{value}".encode())
        out.append(Sealed(f"{ring.primary_id}${body}", mac.hexdigest(), mask(kind, value)))
    return out


def columns(name: str, value: str, *, kind: str, ring: crypto.Keyring | None = None) -> dict[str, str]:
    """The three column values of personal field ``name`` holding ``value`` of ``kind``."""
    sealed = seal(kind, value, ring=ring)
    return {f"{name}_enc": sealed.enc, f"{name}_hash": sealed.hash, f"{name}_masked": sealed.masked}


def set_columns(obj: Any, values: dict[str, str]) -> None:
    """Validate, normalise and seal values into the personal fields of ``obj`` (field name → value), each
    with the kind its model declares; an identity number is checked against ``obj.doc_type`` when the model
    has one. A blank value empties the field. Raises ValidationError keyed by field name, so no caller can
    store a value the pipeline refuses."""
    errors: dict[str, list[str]] = {}
    sealed_values: dict[str, str] = {}
    for name, value in values.items():
        kind = kind_of(type(obj), name)
        try:
            sealed_values[name] = clean(kind, value, doc_type=getattr(obj, "doc_type", "")) if value else ""
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    for name, value in sealed_values.items():
        for column, sealed in columns(name, value, kind=kind_of(type(obj), name)).items():
            setattr(obj, column, sealed)


class Sealer:
    """Seals many values exactly as ``seal`` does, for one import: one keyring lookup, the HMAC key
    prepared, nonces read from the system 8,192 at a time. Not shared between threads."""

    def __init__(self, ring: crypto.Keyring | None = None) -> None:
        ring = ring or crypto.keyring()
        self.ring = ring
        self._encrypt = ring.keys[ring.primary_id].encrypt
        self.prefix = f"{ring.primary_id}$"
        self.hash_key = ring.hash_key
        self._nonces = b""
        self._pos = 0

    def hash(self, kind: str, value: str) -> str:
        return hmac.digest(self.hash_key, f"{kind}:{value}".encode(), "sha256").hex()

    def encrypt(self, value: str) -> str:
        pos = self._pos
        if pos + 12 > len(self._nonces):
            self._nonces = os.urandom(12 * 8192)
            pos = 0
        nonce = self._nonces[pos : pos + 12]
        self._pos = pos + 12
        return (
            self.prefix
            + b2a_base64(nonce + self._encrypt(nonce, value.encode(), None), newline=False).decode()
        )

    def seal(self, kind: str, value: str, digest: str = "") -> Sealed:
        """``seal(kind, value)``; ``digest`` is the hash when the caller has it already."""
        if not value:
            return EMPTY
        return Sealed(self.encrypt(value), digest or self.hash(kind, value), mask(kind, value))


# ----------------------------------------------------------------------------------- kinds on models


@cache
def kinds_of(model: Any) -> dict[str, str]:
    """{personal field name: kind} of a model, as its ``personal_fields(..., kind=...)`` declare them."""
    found = {}
    for f in model._meta.concrete_fields:
        kind = getattr(f, "personal_kind", None)
        if kind and f.name.endswith("_enc"):
            found[f.name[: -len("_enc")]] = kind
    return found


def kind_of(model: Any, name: str) -> str:
    """The declared kind of personal field ``name`` of ``model`` (KeyError if it declares none)."""
    kind = kinds_of(model).get(name)
    if not kind:
        raise KeyError(f"{model._meta.label}.{name} is not a personal field with a declared kind")
    return kind

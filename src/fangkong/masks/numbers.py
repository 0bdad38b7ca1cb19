"""Booking and voucher numbers, and the address key of a booking."""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_number(length: int = 9, prefix: str = "") -> str:
    """A random number over a 32-letter alphabet (each random byte picks one letter: 256 = 8 x 32, uniform)."""
    return prefix + "".join([_ALPHABET[b & 31] for b in secrets.token_bytes(length)])


def normalize_room(raw: str) -> str:
    value = "".join(str(raw or "").split()).upper()
    for suffix in ("室", "号"):
        if value.endswith(suffix):
            value = value[: -len(suffix)]
    return value


def address_key(building_id: int, room: str) -> str:
    return f"{building_id}:{normalize_room(room)}"


def fmt_time(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

"""Time helpers of the returnees app: local time, report slots and their deadlines, the fever line, and the
staff check shared by the services."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fangkong.core.exceptions import ScopeError
from fangkong.core.policies import get_policy
from fangkong.returnees.choices import (
    Slot,
)

MORNING_DEADLINE = dt.time(12, 0)


# ---------------------------------------------------------------- time helpers


def local_now(now: dt.datetime | None = None) -> dt.datetime:
    return timezone.localtime(now or timezone.now())


def slot_of(now: dt.datetime | None = None) -> tuple[dt.date, str]:
    moment = local_now(now)
    return moment.date(), (Slot.MORNING if moment.time() < MORNING_DEADLINE else Slot.AFTERNOON)


def closed_slots(now: dt.datetime | None = None) -> list[tuple[dt.date, str]]:
    """Slots whose reporting window has closed, from yesterday morning up to ``now`` (local time)."""
    moment = local_now(now)
    today = moment.date()
    yesterday = today - dt.timedelta(days=1)
    out: list[tuple[dt.date, str]] = [(yesterday, Slot.MORNING), (yesterday, Slot.AFTERNOON)]
    if moment.time() >= MORNING_DEADLINE:
        out.append((today, Slot.MORNING))
    return out


def fever_line(subdistrict_id: int, on: dt.date) -> Decimal:
    return Decimal(str(get_policy(subdistrict_id, "fever_line", on=on)))


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_staff(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ScopeError("anonymous")

"""Sign-in with a lockout that parallel requests cannot bypass and outsiders cannot turn against staff.

Attempts are counted per (username, client address) in ``LoginFailure`` rows, and per address over every
username (the row with an empty username: the per-address throttle). An attempt is counted *before* its
password is checked, under a row lock, so however many requests arrive at once, at most
``FANGKONG_LOCKOUT_FAILURES`` passwords are checked for one username from one address before the lock:

- the attempt that reaches the limit sets the lock (``FANGKONG_LOCKOUT_MINUTES``, doubled for each further
  lock, at most a day); while it holds, attempts are refused without a password check;
- a success releases the attempt: the (username, address) row is deleted and the address row gives it back;
- failures older than an hour are forgotten, and the lock count after a quiet day.

A locked (username, address) gets the same answer as a wrong password, and unknown usernames are counted
like known ones, so the answers reveal nothing about which accounts exist. An outsider locks only their own
address out: the account's owner signs in from theirs. HQ can lift every lock of an account
(``core.services.unlock_account``). An address over ``FANGKONG_LOGIN_IP_FAILURES`` failures (any usernames)
is refused for a while (the sign-in page answers 429).

Sign-in requests per address are also limited by core.ratelimit ("accounts.login", in the sign-in view).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from fangkong.core.models import LoginFailure

FAILURE_MEMORY = dt.timedelta(hours=1)
LOCK_MEMORY = dt.timedelta(days=1)
MAX_LOCK = dt.timedelta(days=1)
ADDRESS = ""  # the username of an address's own row


def client_ip(request: Any) -> str:
    """The client's address, as the rate limiter takes it (FANGKONG_TRUST_PROXY decides on X-Forwarded-For)."""
    from fangkong.core.ratelimit import client_ip as address

    return address(getattr(request, "META", {}) if request is not None else {}) or "-"


def lock_duration(locks: int) -> dt.timedelta:
    """The length of a (username, address)'s or an address's lock after ``locks`` earlier ones."""
    minutes = settings.FANGKONG_LOCKOUT_MINUTES * 2 ** min(locks, 16)
    return min(dt.timedelta(minutes=minutes), MAX_LOCK)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    address_locked_until: dt.datetime | None = None
    account_locked_until: dt.datetime | None = (
        None  # set when this attempt set or met a (username, address) lock
    )


def reserve_attempt(username: str, ip: str, *, now: dt.datetime | None = None) -> Verdict:
    """Count one sign-in attempt for ``username`` from ``ip`` before its password is checked."""
    now = now or timezone.now()
    username = username[:150]
    limits = {username: settings.FANGKONG_LOCKOUT_FAILURES, ADDRESS: settings.FANGKONG_LOGIN_IP_FAILURES}
    names = [name for name in dict.fromkeys([ADDRESS, username]) if limits[name] > 0]
    if not names:
        return Verdict(True)
    with transaction.atomic():
        LoginFailure.objects.bulk_create(
            [LoginFailure(username=name, ip=ip, updated_at=now) for name in names], ignore_conflicts=True
        )
        # The address row sorts first: every attempt locks the rows in the same order (no deadlock).
        rows = list(
            LoginFailure.objects.select_for_update().filter(ip=ip, username__in=names).order_by("username")
        )
        address_lock = account_lock = None
        for row in rows:
            if row.locked_until and row.locked_until > now:
                if row.username == ADDRESS:
                    address_lock = row.locked_until
                else:
                    account_lock = row.locked_until
        if address_lock or account_lock:
            return Verdict(False, address_lock, account_lock)
        for row in rows:
            if now - row.updated_at > LOCK_MEMORY:
                row.locks = 0
            if row.locked_until or now - row.updated_at > FAILURE_MEMORY:
                row.failures = 0
                row.locked_until = None
            row.failures += 1
            row.updated_at = now
            if row.failures >= limits[row.username]:
                row.locked_until = now + lock_duration(row.locks)
                row.locks += 1
                row.failures = 0
                if row.username != ADDRESS:
                    account_lock = row.locked_until
                    _mirror_lock(row.username, row.locked_until)
            row.save(update_fields=["failures", "locks", "locked_until", "updated_at"])
    return Verdict(True, account_locked_until=account_lock)


def release_attempt(username: str, ip: str) -> None:
    """A success: forget the (username, address) failures and give the attempt back to the address."""
    with transaction.atomic():
        LoginFailure.objects.filter(username=username[:150], ip=ip).exclude(username=ADDRESS).delete()
        row = LoginFailure.objects.select_for_update().filter(username=ADDRESS, ip=ip).first()
        if row is not None and row.failures > 0:
            LoginFailure.objects.filter(pk=row.pk).update(failures=row.failures - 1)
        latest = LoginFailure.objects.filter(
            username=username[:150], locked_until__gt=timezone.now()
        ).aggregate(until=Max("locked_until"))["until"]
        get_user_model()._default_manager.filter(username=username[:150]).exclude(
            locked_until__isnull=True
        ).update(locked_until=latest)


def _mirror_lock(username: str, until: dt.datetime) -> None:
    """Show the newest lock on the account (admin and HQ pages); sign-in itself reads LoginFailure."""
    get_user_model()._default_manager.filter(username=username).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=until)
    ).update(locked_until=until)


class LockoutModelBackend(ModelBackend):
    """ModelBackend that counts each attempt before checking its password, and refuses locked ones."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        verdict = reserve_attempt(username, ip)
        if not verdict.allowed:
            if request is not None and verdict.address_locked_until:
                request.fangkong_address_locked_until = verdict.address_locked_until
            return None
        result = super().authenticate(request, username=username, password=password, **kwargs)
        if result is not None:
            release_attempt(username, ip)
        return result

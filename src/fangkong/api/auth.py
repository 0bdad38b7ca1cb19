from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth as _SessionAuth

LAST_USED_EVERY = dt.timedelta(minutes=1)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from fangkong.core.models import ApiToken

        row = (
            ApiToken.objects.select_related("user").filter(key_hash=hash_token(token), revoked=False).first()
        )
        if row is None or not row.user.is_active:
            return None
        # "Last used" to the minute: one write a minute per token, not one per request (every request of a
        # busy client would otherwise queue on the token row's lock behind the previous one's commit).
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class SessionAuth(_SessionAuth):
    pass

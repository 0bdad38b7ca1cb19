"""Login with lockout after repeated failures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils import timezone


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses a locked account and counts failures towards a lock."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = User._default_manager.filter(username=username).first()
        now = timezone.now()
        if user is not None and user.locked_until and user.locked_until > now:
            if request is not None:
                request.fangkong_locked_until = user.locked_until
            return None
        result = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return result
        if result is None:
            failures = user.failed_logins + 1
            update: dict[str, Any] = {"failed_logins": failures}
            if failures >= settings.FANGKONG_LOCKOUT_FAILURES:
                update["locked_until"] = now + dt.timedelta(minutes=settings.FANGKONG_LOCKOUT_MINUTES)
                update["failed_logins"] = 0
                if request is not None:
                    request.fangkong_locked_until = update["locked_until"]
            User._default_manager.filter(pk=user.pk).update(**update)
            return None
        if user.failed_logins or user.locked_until:
            User._default_manager.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        return result

"""What every pairing page shares: the role gates, the user's sub-district and form errors from a service."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from fangkong.pairing import access
from fangkong.registry.models import SubDistrict


def _readers_only(user: Any) -> None:
    if not access.may_read(user):
        raise Http404


def _workers_only(user: Any) -> None:
    if not access.may_work(user):
        raise Http404


def _managers_only(user: Any) -> None:
    if not access.is_manager(user):
        raise Http404


def _editors_only(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _hq_only(user: Any) -> None:
    if not access.is_hq(user):
        raise Http404


def _subdistrict(request: HttpRequest) -> SubDistrict:
    user: Any = request.user
    if user.subdistrict_id:
        return user.subdistrict
    sub = SubDistrict.objects.visible_to(user).first()
    if sub is None:
        raise Http404
    return sub

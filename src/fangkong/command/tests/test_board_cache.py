"""The dashboard's board is kept a few seconds per scope: a second reader with the same scope within the
period is served without counting again, a reader with another scope never sees it, and it ends with its
period."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.command import views
from fangkong.core import ttlcache

pytestmark = pytest.mark.django_db


def _get(client, user, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("command:dashboard"), params)
    assert page.status_code == 200
    return page.content.decode(), len(ctx)


def test_the_board_is_counted_once_per_scope_and_period(world, client, settings):
    w = world
    settings.FANGKONG_DASHBOARD_CACHE_SECONDS = 60
    hq_page, counted = _get(client, w.hq)
    _again, cached = _get(client, w.hq)
    assert cached < counted  # no figure queries the second time
    staff_page, staff_counted = _get(client, w.staff_a)
    assert staff_counted > cached  # another scope counts its own board
    assert w.hood_b.name in hq_page and w.hood_b.name not in staff_page.split('id="command-board"')[1]
    other_page, _n = _get(client, w.other_hq)
    assert w.hood_a.name not in other_page.split('id="command-board"')[1]
    ttlcache.clear_all()  # the period ends
    _fresh, recounted = _get(client, w.hq)
    assert recounted == counted


def test_the_scope_key_separates_every_scope_that_sees_other_figures(world):
    w = world
    keys = {
        p: views._scope_key(getattr(w, p))
        for p in ("hq", "staff_a", "staff_b", "office", "auditor", "other_hq")
    }
    assert len(set(keys.values())) == len(keys)

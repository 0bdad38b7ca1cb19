import random
import time

import pytest

from fangkong.masks import demo, services
from fangkong.masks.models import Booking, MaskRound, Voucher
from fangkong.masks.selectors import mask_figures
from fangkong.masks.tests.conftest import add_households

pytestmark = pytest.mark.django_db


def test_demo_seed_is_fast_and_reconciles(world):
    add_households(world, 120, hood="a")
    add_households(world, 80, hood="b")
    started = time.perf_counter()
    demo.seed(world.sub, rng=random.Random(1), scale="tiny")
    assert time.perf_counter() - started < 30
    rnd = MaskRound.objects.get(subdistrict=world.sub, mode="order")
    assert Booking.objects.filter(round=rnd).count() > 150
    assert Voucher.objects.filter(round=rnd, status="collected").exists()
    assert Booking.objects.filter(round=rnd, status="review").exists()
    rows = services.reconcile(rnd)
    assert rows and all(r["ok"] for r in rows)
    figures = {r["neighborhood_id"]: r for r in mask_figures(world.sub.pk, rnd.pk)}
    assert figures[world.hood_a.pk]["allocated"] >= figures[world.hood_a.pk]["collected"] > 0

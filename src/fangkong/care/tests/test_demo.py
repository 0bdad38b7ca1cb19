import random

import pytest
from django.db.models import Sum
from django.utils import timezone

from fangkong.care import demo, selectors
from fangkong.care.models import CareRecord, Delivery, MaterialCount

pytestmark = pytest.mark.django_db


def test_demo_seed(world, elderly):
    elderly(40, age=85)
    demo.seed(world.sub, rng=random.Random(1), scale="tiny")
    assert CareRecord.objects.filter(subdistrict=world.sub).count() == 30
    assert Delivery.objects.filter(outcome="delivered").count() >= 30 * 3
    # the missed list of any week so far shows what the seed left out, and never more than everyone
    assert selectors.missed(world.hq, today=timezone.localdate()).count() <= 30
    forms = MaterialCount.objects.filter(kind="health_form").aggregate(n=Sum("handed_out"))["n"]
    assert forms == 452

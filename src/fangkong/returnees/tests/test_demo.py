import random

import pytest

from fangkong.returnees import demo
from fangkong.returnees.models import (
    Declaration,
    HealthReport,
    Isolation,
    Referral,
    Venue,
    VenueVisit,
)

pytestmark = pytest.mark.django_db


def test_demo_seed(world):
    demo.seed(world.sub, rng=random.Random(1), scale="tiny")
    assert Declaration.objects.filter(subdistrict=world.sub).count() >= 55
    assert Isolation.objects.exists() and HealthReport.objects.exists()
    assert Referral.objects.count() >= 1
    assert Venue.objects.count() == 2 and VenueVisit.objects.count() >= 16
    assert Venue.objects.get(organization=world.org_a).visits_suspended_from is not None

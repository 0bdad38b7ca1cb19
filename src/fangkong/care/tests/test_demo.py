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


def test_demo_stories_of_the_article(world):

    from fangkong.care import demo_stories, liangxin
    from fangkong.care.choices import IdentityCheck
    from fangkong.care.models import (
        Briefing,
        Distribution,
        Donation,
        LiangxinDeed,
        LiangxinOrganization,
        VolunteerSignup,
    )
    from fangkong.core import personal
    from fangkong.registry.models import Compound, Organization, Premises, Volunteer

    gate = Compound.objects.create(subdistrict=world.sub, neighborhood=world.hood_a, name="虹教小区")
    known = Volunteer(subdistrict=world.sub, neighborhood=world.hood_a, name="郭文俊")
    personal.set_columns(known, {"phone": "13912340001"})
    known.save()
    for kind in ("office_tower", "business_park"):
        for i in range(4):
            place = Premises.objects.create(
                subdistrict=world.sub, neighborhood=world.hood_b, name=f"{kind}{i}", kind=kind
            )
            for j in range(4):
                Organization.objects.create(
                    subdistrict=world.sub, neighborhood=world.hood_b, premises=place, name=f"{kind}{i}公司{j}"
                )
    demo_stories.seed_stories(world.sub, rng=random.Random(5), scale="tiny")
    gift = Donation.objects.get(donor_name="郭文俊")
    assert gift.donor_resident.household.address == "公安街11弄2号401室" and gift.public_thanks
    lines = {(ln.item.name, ln.item.unit, ln.quantity) for ln in gift.lines.select_related("item")}
    assert lines == {
        ("取暖器", "台", 1),
        ("消毒喷雾器", "台", 1),
        ("矿泉水", "箱", 2),
        ("暖宝宝", "盒", 2),
        ("口罩", "只", 50),
    }
    given = {d.item.name: d for d in Distribution.objects.filter(donation=gift).select_related("item")}
    assert given["取暖器"].target_kind == "point" and given["取暖器"].target_compound == gate
    assert given["消毒喷雾器"].target_kind == "organization" and "物业" in given["消毒喷雾器"].target_name
    assert given["矿泉水"].target_kind == given["暖宝宝"].target_kind == "volunteers"
    assert given["口罩"].target_kind == "committee" and given["口罩"].quantity == 50
    assert all(ln.item.balance == 0 for ln in gift.lines.select_related("item"))
    guo = VolunteerSignup.objects.get(name="郭文俊")
    assert guo.compound == gate and guo.identity == IdentityCheck.REGISTRY and guo.volunteer == known
    from fangkong.care.demo_stories import briefing_day

    briefing = Briefing.objects.get(day=briefing_day())
    assert briefing.invited.count() == 27 and len(briefing.speakers) == 4 and len(briefing.topics) == 2
    assert briefing.planned_minutes == 30 and briefing.overrun_minutes > 30
    places = {
        inv.branch.organization.premises.kind
        for inv in briefing.invited.select_related("branch__organization__premises")
    }
    assert places == {"office_tower", "business_park"}
    summary = __import__("fangkong.care.briefings", fromlist=["summary"]).summary(briefing)
    assert 180 <= summary.actual <= 200 and len(summary.absent) == 2
    figures = liangxin.figures(LiangxinOrganization.objects.all(), LiangxinDeed.objects.all())
    assert figures["party_members"] >= 50 and figures["rallied"] >= 50

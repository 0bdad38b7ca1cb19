"""The donations ledger: balances never negative (service and database), sequences of receipts and
hand-outs reconcile, the thank-you receipt, and donated masks moved into the mask stock ledger."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.care import donations
from fangkong.care.donations import Line
from fangkong.care.models import Distribution, DonationItem
from fangkong.core.exceptions import ScopeError
from fangkong.core.tests.matrix import rolled_back

pytestmark = pytest.mark.django_db


def _give(world, **kw):
    return donations.record_donation(
        actor=world.staff_a, subdistrict_id=world.sub.pk, neighborhood=world.hood_a, **kw
    )


def test_guo_wenjuns_donation_and_where_it_went(world):
    d = _give(
        world,
        donor_kind="resident",
        donor_resident=world.resident_a,
        donor_name="郭文俊",
        public_thanks=True,
        purpose="支持社区防控",
        lines=[
            Line("取暖器", "台", 1),
            Line("消毒喷雾器", "台", 1),
            Line("矿泉水", "箱", 2),
            Line("暖宝宝", "盒", 5),
            Line("口罩", "只", 50, is_masks=True),
        ],
    )
    items = {ln.item.name: ln.item for ln in d.lines.select_related("item")}
    donations.distribute(
        actor=world.staff_a,
        item=items["取暖器"],
        quantity=1,
        target_kind="point",
        target_compound=world.compound_a,
    )
    donations.distribute(
        actor=world.staff_a,
        item=items["消毒喷雾器"],
        quantity=1,
        target_kind="organization",
        target_organization=world.org_a,
    )
    donations.distribute(actor=world.staff_a, item=items["口罩"], quantity=50, target_kind="committee")
    point = Distribution.objects.get(item=items["取暖器"])
    assert point.target_name == f"{world.compound_a.name}门口志愿者服务点"
    rows = {r["item"].name: r for r in donations.reconcile(DonationItem.objects.all())}
    assert rows["取暖器"]["balance"] == 0 and rows["矿泉水"]["balance"] == 2
    assert all(r["difference"] == 0 for r in rows.values())
    with pytest.raises(ValidationError):
        donations.distribute(actor=world.staff_a, item=items["取暖器"], quantity=1, target_kind="committee")
    with pytest.raises(ScopeError):
        donations.distribute(actor=world.staff_b, item=items["矿泉水"], quantity=1, target_kind="committee")


def test_the_balance_cannot_go_negative_in_the_database(world):
    d = _give(world, donor_kind="anonymous", lines=[Line("矿泉水", "箱", 2)])
    item = d.lines.get().item
    with pytest.raises(IntegrityError), transaction.atomic():
        DonationItem.objects.filter(pk=item.pk).update(balance=F("balance") - 3)
    # the conditional decrement refuses instead of going below zero, even from a stale copy
    stale = DonationItem.objects.get(pk=item.pk)
    donations.distribute(actor=world.staff_a, item=item, quantity=2, target_kind="volunteers")
    with pytest.raises(ValidationError):
        donations.distribute(actor=world.staff_a, item=stale, quantity=1, target_kind="volunteers")
    assert DonationItem.objects.get(pk=item.pk).balance == 0


def test_anonymous_donor_has_no_name_attached(world):
    d = _give(world, donor_kind="anonymous", donor_resident=world.resident_a, lines=[Line("暖宝宝", "盒", 1)])
    assert d.donor_resident is None and "匿名" in d.donor_name
    with pytest.raises(ValidationError):
        _give(world, donor_kind="resident", lines=[Line("暖宝宝", "盒", 1)])
    with pytest.raises(ValidationError):
        _give(world, donor_kind="firm", donor_name="某公司", lines=[Line("暖宝宝", "", 1)])


steps = st.lists(
    st.tuples(st.sampled_from(["in", "out"]), st.sampled_from(["水", "口罩"]), st.integers(1, 30)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_any_sequence_of_receipts_and_hand_outs_reconciles(world, steps):
    with rolled_back():
        expected: dict[str, int] = {"水": 0, "口罩": 0}
        for kind, name, qty in steps:
            if kind == "in":
                _give(world, donor_kind="anonymous", lines=[Line(name, "件", qty)])
                expected[name] += qty
                continue
            item = DonationItem.objects.filter(name=name).first()
            if item is None:
                continue
            try:
                donations.distribute(actor=world.staff_a, item=item, quantity=qty, target_kind="committee")
            except ValidationError:
                assert qty > expected[name]
            else:
                assert qty <= expected[name]
                expected[name] -= qty
        rows = donations.reconcile(DonationItem.objects.all())
        assert {r["item"].name: r["balance"] for r in rows} == {
            k: v for k, v in expected.items() if k in {r["item"].name for r in rows}
        }
        assert all(r["difference"] == 0 and r["balance"] >= 0 for r in rows)


def test_donated_masks_move_into_the_mask_stock(world):
    from django.utils import timezone

    from fangkong.masks import services as masks
    from fangkong.masks.models import LedgerEntry, StockBalance

    now = timezone.now()
    rnd = masks.open_mask_round(
        actor=world.hq,
        subdistrict=world.sub,
        name="第一轮",
        masks_per_household=5,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
        pickup_ends_at=now + dt.timedelta(days=3),
    )
    d = _give(
        world, donor_kind="resident", donor_name="郭文俊", lines=[Line("口罩", "只", 50, is_masks=True)]
    )
    item = d.lines.get().item
    with pytest.raises(ScopeError):  # committee staff do not record mask stock (the masks app's rule)
        donations.move_masks_to_stock(
            actor=world.staff_a, item=item, quantity=20, mask_round=rnd, neighborhood=world.hood_a
        )
    donations.move_masks_to_stock(
        actor=world.hq, item=item, quantity=20, mask_round=rnd, neighborhood=world.hood_a
    )
    assert DonationItem.objects.get(pk=item.pk).balance == 30
    assert StockBalance.objects.get(round=rnd, neighborhood=world.hood_a).balance == 20
    assert LedgerEntry.objects.filter(round=rnd, kind="received", quantity=20).exists()


def test_pages_and_receipt(world, as_persona):
    client = as_persona("staff_a")
    response = client.post(
        reverse("care:donation_new"),
        {
            "neighborhood": world.hood_a.pk,
            "donor_kind": "resident",
            "donor_name": "郭文俊",
            "public_thanks": "on",
            "received_on": "2020-02-05",
            "item_0": "取暖器",
            "unit_0": "台",
            "qty_0": "1",
            "item_1": "口罩",
            "unit_1": "只",
            "qty_1": "50",
            "masks_1": "on",
        },
    )
    assert response.status_code == 302
    receipt = client.get(response["Location"] + "receipt/").content.decode()
    assert "郭文俊" in receipt and "取暖器" in receipt and "50只" in receipt and "感谢" in receipt
    ledger = client.get(reverse("care:donations")).content.decode()
    assert "取暖器" in ledger and 'id="unreconciled"' not in ledger
    # mask stock moves are offered to the masks managers only
    assert (
        "to-mask-stock" not in ledger
        and "to-mask-stock" in as_persona("hq").get(reverse("care:donations")).content.decode()
    )
    assert "取暖器" not in as_persona("staff_b").get(reverse("care:donations")).content.decode()

"""What staff and residents see around a booking: the rounds' real state and the pickup page's default round,
the desk confirmation (allocated or queued), the place in the queue, the booking poster, and controls shown
only to users who may use them."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.links import public_url
from fangkong.core.testing import decode_qr_in_html
from fangkong.masks import access, services
from fangkong.masks.choices import RoundPhase
from fangkong.masks.models import Booking, Voucher
from fangkong.masks.tests.conftest import add_households, open_round

pytestmark = pytest.mark.django_db

API = "/api/v1/masks"


def _selected_round(html):
    select = re.search(r'<select name="round".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="(\d+)" selected>', select).group(1)


@pytest.mark.parametrize(
    ("opens", "closes", "pickup_ends", "finished", "phase"),
    [
        (1, 2, 4, False, RoundPhase.NOT_STARTED),
        (-1, 1, 3, False, RoundPhase.BOOKING),
        (-3, -1, 2, False, RoundPhase.PICKUP),
        (-5, -3, -1, False, RoundPhase.ENDED),
        (-3, -1, 2, True, RoundPhase.ENDED),
    ],
)
def test_round_phase_is_its_real_state(world, opens, closes, pickup_ends, finished, phase):
    now = timezone.now()
    day = dt.timedelta(days=1)
    rnd = services.open_mask_round(
        actor=world.hq,
        subdistrict=world.sub,
        name="r",
        opens_at=now + opens * day,
        closes_at=now + closes * day,
        pickup_ends_at=now + pickup_ends * day,
    )
    if finished:
        rnd.status = "finished"
    assert rnd.phase == phase
    assert (
        rnd.phase.label
        == {"not_started": "未开始", "booking": "预约中", "pickup": "领取中", "ended": "已结束"}[phase.value]
    )


def test_pickup_page_opens_on_the_round_in_its_pickup_window(world, as_persona):
    """Issue: the pickup page preselected a round that had not opened, so round 1's vouchers were refused."""
    now = timezone.now()
    day = dt.timedelta(days=1)
    first = open_round(
        world, name="第一轮", opens_at=now - 3 * day, closes_at=now - day, pickup_ends_at=now + 2 * day
    )
    second = open_round(world, name="第二轮", opens_at=now + day, closes_at=now + 2 * day)
    page = as_persona("staff_a").get(reverse("masks:pickup")).content.decode()
    assert _selected_round(page) == str(first.pk)
    assert "第一轮（领取中）" in page and "第二轮（未开始）" in page
    chosen = as_persona("staff_a").get(reverse("masks:pickup"), {"round": second.pk}).content.decode()
    assert _selected_round(chosen) == str(second.pk)
    rounds = as_persona("staff_a").get(reverse("masks:rounds")).content.decode()
    assert "领取中" in rounds and "未开始" in rounds
    detail = as_persona("staff_a").get(reverse("masks:round_detail", args=[first.pk])).content.decode()
    assert "领取中" in detail


def _desk_book(client, rnd, household, resident):
    return client.post(
        reverse("masks:desk_book", args=[rnd.pk]),
        {"household": household.pk, "resident": resident.pk, "q": "101"},
        follow=True,
    )


def test_desk_confirmation_of_an_allocated_booking_gives_site_time_and_voucher(world, mround, as_persona):
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    page = _desk_book(as_persona("staff_a"), mround, world.household_a, world.resident_a)
    body = page.content.decode()
    voucher = world.household_a and Voucher.objects.get(booking__household=world.household_a)
    assert "预约成功" in body and "已分配" in body
    assert voucher.site.name in body and voucher.number in body and "<svg" in body
    assert reverse("masks:voucher", args=[voucher.number]) in body and "打印领取凭证" in body
    assert decode_qr_in_html(body) == voucher.number
    again = _desk_book(as_persona("staff_a"), mround, world.household_a, world.resident_a).content.decode()
    assert "该住户本轮已预约" in again and voucher.number in again


def test_desk_confirmation_of_a_queued_booking_gives_the_place(world, mround, people, as_persona):
    homes = add_households(world, 1)
    services.book_public(round_id=mround.pk, building_id=world.building_a.pk, room=homes[0].room, **people())
    body = _desk_book(as_persona("staff_a"), mround, world.household_a, world.resident_a).content.decode()
    assert "排队等候" in body and "第 2 位" in body and "<svg" not in body
    # another neighborhood's staff do not see it through the confirmation parameter
    booking = Booking.objects.get(household=world.household_a)
    other = as_persona("staff_b").get(reverse("masks:desk", args=[mround.pk]), {"booked": booking.pk})
    assert booking.number not in other.content.decode()


def test_residents_see_their_place_in_the_queue(world, mround, people, client):
    homes = add_households(world, 2)
    for h in homes:
        services.book_public(round_id=mround.pk, building_id=world.building_a.pk, room=h.room, **people())
    person = people()
    url = reverse("masks:public_book", args=[mround.pk])
    place = {
        "neighborhood": world.hood_a.pk,
        "compound": world.compound_a.pk,
        "building": world.building_a.pk,
    }
    done = client.post(url, {**person, **place, "room": "101"}).content.decode()
    assert "第 3 位" in done
    found = client.post(
        reverse("masks:public_lookup", args=[mround.pk]),
        {"id_number": person["id_number"], "phone": person["phone"]},
    ).content.decode()
    assert "第 3 位" in found
    api = client.post(
        f"{API}/rounds/{mround.pk}/lookup",
        {"id_number": person["id_number"], "phone": person["phone"]},
        content_type="application/json",
    )
    assert api.json()["queue_place"] == 3
    number = Booking.objects.get(household=world.household_a).number
    mine = client.get(reverse("masks:my_booking", args=[number, services.booking_token(number)]))
    assert "第 3 位" in mine.content.decode()


def test_booking_poster(world, mround, as_persona, client):
    page = as_persona("staff_a").get(reverse("masks:poster", args=[mround.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and world.hood_a.name in body and "<svg" in body
    assert "口罩预约登记" in body and "扫码" in body
    target = reverse("masks:public_book", args=[mround.pk]) + f"?n={world.hood_a.pk}"
    assert public_url(target) in body
    assert decode_qr_in_html(page.content) == public_url(target)  # a full QR code of the public link
    # staff of another neighborhood print their own neighborhood's poster, whatever they ask for
    other = as_persona("staff_b").get(reverse("masks:poster", args=[mround.pk]), {"hood": world.hood_a.pk})
    assert (
        world.hood_b.name in other.content.decode() and f"?n={world.hood_a.pk}" not in other.content.decode()
    )
    hq = as_persona("hq").get(reverse("masks:poster", args=[mround.pk]), {"hood": world.hood_b.pk})
    assert f"?n={world.hood_b.pk}" in hq.content.decode()
    # the poster stays Chinese for an English-speaking user
    english = as_persona("staff_a")
    english.cookies["django_language"] = "en"
    assert "口罩预约登记" in english.get(reverse("masks:poster", args=[mround.pk])).content.decode()
    # the poster's link opens the booking page on the neighborhood
    public = client.get(target).content.decode()
    assert f'<option value="{world.hood_a.pk}" selected>' in public
    assert f'<option value="{world.compound_a.pk}"' in public


@pytest.mark.parametrize("persona", ["auditor", "viewer", "org_contact", "anonymous"])
def test_poster_is_for_staff_who_work_bookings(world, mround, as_persona, persona):
    response = as_persona(persona).get(reverse("masks:poster", args=[mround.pk]))
    assert response.status_code == (302 if persona == "anonymous" else 404)


@pytest.mark.parametrize("persona", ["hq", "staff_a", "cadre", "auditor", "viewer"])
def test_pages_offer_only_what_the_user_may_do(world, mround, as_persona, persona):
    """Issue: the rounds page offered 核销领取 to readers whom the pickup page answers 404."""
    client = as_persona(persona)
    user = getattr(world, persona)
    rounds = client.get(reverse("masks:rounds")).content.decode()
    detail = client.get(reverse("masks:round_detail", args=[mround.pk])).content.decode()
    links = {
        reverse("masks:pickup"): access.can_work(user),
        reverse("masks:desk", args=[mround.pk]): access.can_work(user),
        reverse("masks:poster", args=[mround.pk]): access.can_work(user),
        reverse("masks:round_create"): access.can_manage(user),
        reverse("masks:round_action", args=[mround.pk, "batch"]): access.can_manage(user),
    }
    for url, allowed in links.items():
        shown = url in rounds or url in detail
        assert shown == allowed, (persona, url)
        if shown:  # the page behind the control accepts the user
            answer = client.get(url) if "/do/" not in url else None
            assert answer is None or answer.status_code in (200, 405), (persona, url)


def test_masks_form_labels_carry_no_colon(world, mround, as_persona, client):
    pages = [
        as_persona("staff_a").get(reverse("masks:pickup")),
        as_persona("hq").get(reverse("masks:round_detail", args=[mround.pk])),
        as_persona("hq").get(reverse("masks:round_create")),
        client.get(reverse("masks:public_book", args=[mround.pk])),
        client.get(reverse("masks:public_lookup", args=[mround.pk])),
        client.get(reverse("masks:voucher", args=["VXXXXXXXX"])),
    ]
    for page in pages:
        body = page.content.decode()
        assert "</label>" in body and not re.search(r":\s*</label>", body), page.request["PATH_INFO"]


def test_a_slot_over_several_days_shows_its_end_date(world, mround):
    from fangkong.masks.models import PickupSlot

    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    one_day = PickupSlot(starts_at=start, ends_at=start + dt.timedelta(hours=3))
    two_days = PickupSlot(starts_at=start, ends_at=start + dt.timedelta(days=2))
    assert str(one_day) == f"{start:%m-%d} 09:00–12:00"
    assert str(two_days) == f"{start:%m-%d} 09:00–{start + dt.timedelta(days=2):%m-%d} 09:00"


def test_masks_pages_carry_no_inline_script(world, mround, people, as_persona, client):
    """The pages run under a CSP without inline scripts: behaviour comes from the static script."""
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    result = services.book_public(round_id=mround.pk, building_id=world.building_a.pk, room="101", **people())
    staff = as_persona("staff_a")
    pages = [
        staff.get(reverse("masks:pickup")),
        staff.get(reverse("masks:poster", args=[mround.pk])),
        staff.get(reverse("masks:voucher", args=[result.voucher_number])),
        client.get(reverse("masks:my_booking", args=[result.number, services.booking_token(result.number)])),
    ]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert not re.search(r"\son[a-z]+=", body), page.request["PATH_INFO"]  # no inline event handler
    assert "data-print" in pages[1].content.decode() and "data-autosubmit" in pages[0].content.decode()

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.care import services
from fangkong.care.models import CareRecord, Delivery

pytestmark = pytest.mark.django_db


def test_candidates_are_old_and_alone_and_staff_confirm_them(world, as_persona, elderly):
    alone = elderly(1, age=82)[0]
    young = elderly(1, age=40)[0]
    client = as_persona("staff_a")
    body = client.get(reverse("care:candidates")).content.decode()
    assert alone.name in body and young.name not in body and world.resident_a.name not in body
    # staff B sees none of neighborhood A's residents
    assert alone.name not in as_persona("staff_b").get(reverse("care:candidates")).content.decode()
    # by name, anyone
    assert young.name in client.get(reverse("care:candidates"), {"q": young.name}).content.decode()
    response = client.post(reverse("care:candidates"), {"resident": alone.pk})
    rec = CareRecord.objects.get(resident=alone)
    assert response.status_code == 302 and response["Location"] == reverse("care:record_edit", args=[rec.pk])
    assert alone.name not in client.get(reverse("care:candidates")).content.decode()


def test_edit_then_record_a_delivery_from_the_phone_page(world, as_persona, cared):
    client = as_persona("staff_a")
    url = reverse("care:record_edit", args=[cared.pk])
    response = client.post(
        url,
        {
            "reason": "childless",
            "lives_alone": "on",
            "mobility": "partial",
            "needs": ["vegetables", "medicine"],
            "weekday": "3",
            "items": "1876农庄有机蔬菜",
            "emergency_name": "侄子",
            "emergency_phone": "13912345678",
            "status": "active",
            "expected_version": cared.version,
        },
    )
    assert response.status_code == 302
    cared.refresh_from_db()
    assert cared.weekday == 3 and cared.needs == ["vegetables", "medicine"] and cared.emergency_phone_hash
    page = client.get(reverse("care:record_detail", args=[cared.pk])).content.decode()
    assert "1876农庄有机蔬菜" in page and "13912345678" not in page and cared.emergency_phone_masked in page
    url = reverse("care:delivery_new", args=[cared.pk])
    assert 'name="submission_id"' in client.get(url).content.decode()
    for _ in range(2):  # a double tap
        response = client.post(url, {"outcome": "delivered", "welfare": "well", "submission_id": "tap-1"})
        assert response.status_code == 302
    assert Delivery.objects.filter(record=cared).count() == 1
    # read-only personas see the page without its controls
    page = as_persona("auditor").get(reverse("care:record_detail", args=[cared.pk])).content.decode()
    assert url not in page and reverse("care:record_edit", args=[cared.pk]) not in page


def test_missed_list_shows_who_is_missing_this_week(world, as_persona, in_care):
    today = timezone.localdate()
    yesterday_weekday = (today.weekday() - 1) % 7
    people = in_care(3, weekday=yesterday_weekday)
    if today.weekday() == 0:  # on Mondays, last Sunday belongs to last week: nobody is due yet this week
        expected = set()
    else:
        expected = {people[1].pk, people[2].pk}
    services.record_delivery(actor=world.staff_a, record=people[0], outcome="delivered")
    services.record_delivery(actor=world.staff_a, record=people[1], outcome="not_home")
    body = as_persona("staff_a").get(reverse("care:missed")).content.decode()
    for p in people:
        link = reverse("care:record_detail", args=[p.pk]) + '"'
        assert (link in body) == (p.pk in expected)
    assert (
        reverse("care:record_detail", args=[people[2].pk])
        not in as_persona("staff_b").get(reverse("care:missed")).content.decode()
    )


def test_api_lists_and_records(world, as_persona, cared):
    client = as_persona("staff_a")
    rows = client.get("/api/v1/care/records").json()
    assert [r["id"] for r in rows] == [cared.pk] and rows[0]["weekday"] == 0
    url = f"/api/v1/care/records/{cared.pk}/deliveries"
    first = client.post(url, {"outcome": "refused", "submission_id": "x1"}, content_type="application/json")
    again = client.post(url, {"outcome": "refused", "submission_id": "x1"}, content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    bad = client.post(url, {"outcome": "lost"}, content_type="application/json")
    assert bad.status_code == 400
    assert as_persona("staff_b").get(f"/api/v1/care/records/{cared.pk}").status_code == 404


@pytest.mark.parametrize("name", ["care:register", "care:missed"])
def test_register_and_missed_list_have_a_constant_query_count(
    world, as_persona, in_care, django_assert_max_num_queries, name
):
    yesterday_weekday = (timezone.localdate().weekday() - 1) % 7
    client = as_persona("staff_a")
    in_care(300, weekday=yesterday_weekday)
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse(name)).status_code == 200
    in_care(2700, weekday=yesterday_weekday)
    with django_assert_max_num_queries(20) as large:
        body = client.get(reverse(name)).content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    if name == "care:register" or timezone.localdate().weekday() != 0:
        assert "3,000" in body or "3000" in body  # the pager's count

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEvent
from fangkong.returnees import services
from fangkong.returnees.models import Declaration, HealthReport, Isolation, VenueVisit

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "returnees:board",
    "returnees:declaration_list",
    "returnees:isolation_list",
]


@pytest.mark.parametrize("name", STAFF_PAGES + ["returnees:declaration_new"])
@pytest.mark.parametrize(
    "persona, status",
    [("hq", 200), ("staff_a", 200), ("staff_b", 200), ("cadre", 200), ("org_contact", 404), ("office", 404)],
)
def test_staff_pages_by_persona(as_persona, name, persona, status):
    assert as_persona(persona).get(reverse(name)).status_code == status


@pytest.mark.parametrize("name", STAFF_PAGES + ["returnees:venue_list"])
def test_anonymous_is_sent_to_login(as_persona, name):
    response = as_persona("anonymous").get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "persona, status",
    [
        ("hq", 200),
        ("staff_a", 200),
        ("cadre", 200),
        ("staff_b", 404),
        ("org_contact", 404),
        ("other_hq", 404),
    ],
)
def test_records_are_scoped_and_reads_audited(isolated, as_persona, persona, status):
    decl, iso = isolated.declaration, isolated.isolation
    before = AuditEvent.objects.filter(action="read").count()
    client = as_persona(persona)
    assert client.get(reverse("returnees:declaration_detail", args=[decl.pk])).status_code == status
    assert client.get(reverse("returnees:isolation_detail", args=[iso.pk])).status_code == status
    reads = AuditEvent.objects.filter(action="read").count() - before
    assert reads == (2 if status == 200 else 0)


def test_lists_show_only_own_neighborhood(isolated, as_persona):
    assert (
        isolated.declaration.name
        in as_persona("staff_a").get(reverse("returnees:declaration_list")).content.decode()
    )
    body_b = as_persona("staff_b").get(reverse("returnees:declaration_list")).content.decode()
    assert isolated.declaration.name not in body_b
    assert (
        isolated.declaration.name
        not in as_persona("staff_b").get(reverse("returnees:isolation_list")).content.decode()
    )


def test_list_partial_for_htmx(isolated, as_persona):
    response = as_persona("staff_a").get(reverse("returnees:declaration_list"), HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and isolated.declaration.name.encode() in response.content


def test_staff_entry_creates_and_shows_link_once(world, as_persona, make_input):
    data = make_input()
    post = {
        "name": "王五",
        "doc_type": "resident_id",
        "id_number": data.id_number,
        "phone": data.phone,
        "building": world.building_a.pk,
        "room": "301",
        "origin_code": "420100",
        "transport": "air",
        "transport_number": "MU5101",
        "departure_date": data.departure_date.isoformat(),
        "arrival_date": data.arrival_date.isoformat(),
        "submission_id": "s1",
    }
    client = as_persona("staff_a")
    response = client.post(reverse("returnees:declaration_new"), post)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "/returnees/p/r/" in page
    assert "/returnees/p/r/" not in client.get(response["Location"]).content.decode()
    # Staff of B cannot file into A's building.
    response_b = as_persona("staff_b").post(
        reverse("returnees:declaration_new"), {**post, "transport_number": "X1"}
    )
    assert response_b.status_code == 200 and Declaration.objects.count() == 1


@pytest.mark.parametrize(
    "persona, status", [("staff_a", 302), ("hq", 302), ("staff_b", 404), ("cadre", 302), ("org_contact", 404)]
)
def test_isolation_actions_scoped(isolated, as_persona, persona, status):
    iso = isolated.isolation
    url = reverse("returnees:isolation_action", args=[iso.pk, "extend"])
    new_end = (iso.end_date + dt.timedelta(days=2)).isoformat()
    assert as_persona(persona).post(url, {"new_end_date": new_end}).status_code == status
    iso.refresh_from_db()
    assert (iso.end_date.isoformat() == new_end) == (status == 302)


def test_shortening_by_page_is_refused_with_a_message(isolated, as_persona):
    iso = isolated.isolation
    url = reverse("returnees:isolation_action", args=[iso.pk, "extend"])
    client = as_persona("staff_a")
    response = client.post(
        url, {"new_end_date": (iso.end_date - dt.timedelta(days=1)).isoformat()}, follow=True
    )
    assert "不能缩短" in response.content.decode()
    iso.refresh_from_db()
    assert iso.end_date == iso.planned_end_date


def test_phone_report_and_reissue(isolated, as_persona):
    iso = isolated.isolation
    client = as_persona("staff_a")
    today = timezone.localdate()
    client.post(
        reverse("returnees:isolation_action", args=[iso.pk, "report"]),
        {"temperature": "36.4", "day": today.isoformat(), "slot": "am"},
    )
    assert HealthReport.objects.filter(isolation=iso, source="phone").count() == 1
    response = client.post(reverse("returnees:isolation_action", args=[iso.pk, "reissue"]), follow=True)
    assert "/returnees/p/r/" in response.content.decode()
    assert services.isolation_for_token(isolated.token) is None


def test_public_declaration_form(world, client, make_input):
    url = reverse("returnees:public_declare", args=[world.sub.pk])
    page = client.get(url)
    assert page.status_code == 200 and "返沪人员健康申报" in page.content.decode()
    data = make_input()
    post = {
        "name": "赵六",
        "doc_type": "resident_id",
        "id_number": data.id_number,
        "phone": data.phone,
        "neighborhood": world.hood_b.pk,
        "compound": world.compound_b.pk,
        "building": world.building_b.pk,
        "room": "1202",
        "origin_code": "420100",
        "transport": "rail",
        "transport_number": "G100",
        "departure_date": data.departure_date.isoformat(),
        "arrival_date": data.arrival_date.isoformat(),
        "submission_id": "pub-1",
    }
    first = client.post(url, post).content.decode()
    assert "/returnees/p/r/" in first and Declaration.objects.count() == 1
    again = client.post(url, post).content.decode()
    # A double submit: received, and the personal link is not shown a second time.
    assert Declaration.objects.count() == 1 and Isolation.objects.count() == 1
    assert "/returnees/p/r/" not in again and 'id="received"' in again
    # Bad input: a clear message, nothing written.
    bad = client.post(url, {**post, "origin_code": "999999", "transport_number": "Z9"}).content.decode()
    assert "errorlist" in bad and Declaration.objects.count() == 1
    bad_dates = client.post(
        url, {**post, "arrival_date": "2099-01-01", "transport_number": "Z8"}
    ).content.decode()
    assert "抵沪日期不能在未来" in bad_dates and Declaration.objects.count() == 1
    # The page reveals nobody else: no other names.
    assert "张三" not in first and world.resident_a.name not in first


def test_public_report_link(isolated, client):
    url = reverse("returnees:report", args=[isolated.token])
    page = client.get(url).content.decode()
    assert "张**" in page and "张三" not in page
    response = client.post(url, {"temperature": "38.0"})
    assert "发热线" in response.content.decode()
    assert HealthReport.objects.filter(isolation=isolated.isolation, fever=True).count() == 1
    client.post(url, {"temperature": "36.0"})
    assert HealthReport.objects.filter(isolation=isolated.isolation).count() == 1
    assert client.post(url, {"temperature": "50"}).status_code == 200
    assert client.get(reverse("returnees:report", args=["forged-" + "x" * 40])).status_code == 404


def test_released_link_is_404(isolated, client, world):
    from fangkong.returnees.tests.conftest import at

    iso = isolated.isolation
    services.release_isolation(
        actor=world.staff_a, isolation=iso, signoff_role="committee", now=at(iso.end_date, 10)
    )
    assert client.get(reverse("returnees:report", args=[isolated.token])).status_code == 404


@pytest.fixture
def hotel(world):
    return services.ensure_venue(actor=world.hq, organization=world.org_b)


@pytest.fixture
def home(world):
    return services.ensure_venue(actor=world.hq, organization=world.org_a)


@pytest.mark.parametrize(
    "persona, status",
    [
        ("hq", 200),
        ("staff_a", 200),
        ("org_contact", 200),
        ("staff_b", 404),
        ("cadre", 200),
        ("other_hq", 404),
    ],
)
def test_venue_log_visible_to_contact_and_neighborhood(home, as_persona, persona, status):
    client = as_persona(persona)
    assert client.get(reverse("returnees:venue_detail", args=[home.pk])).status_code == status
    assert client.get(reverse("returnees:venue_poster", args=[home.pk])).status_code == status


def test_org_contact_sees_only_own_venue(home, hotel, as_persona):
    body = as_persona("org_contact").get(reverse("returnees:venue_list")).content.decode()
    assert home.name in body and hotel.name not in body
    assert (
        as_persona("org_contact").get(reverse("returnees:venue_detail", args=[hotel.pk])).status_code == 404
    )


def test_poster_has_a_qr_code(hotel, as_persona, settings):
    from fangkong.core.testing import decode_qr_in_html

    settings.FANGKONG_PUBLIC_BASE_URL = "http://127.0.0.1:8123"
    body = as_persona("hq").get(reverse("returnees:venue_poster", args=[hotel.pk])).content.decode()
    assert "<svg" in body and hotel.code in body
    expected = "http://127.0.0.1:8123" + reverse("returnees:checkin", args=[hotel.code])
    assert decode_qr_in_html(body) == expected
    detail = as_persona("hq").get(reverse("returnees:venue_detail", args=[hotel.pk])).content.decode()
    assert expected in detail


def test_public_checkin(hotel, client, world):
    from fangkong.core.models import Notification

    url = reverse("returnees:checkin", args=[hotel.code])
    assert client.get(url).status_code == 200
    post = {"name": "访客甲", "phone": "13812345678", "temperature": "36.5", "submission_id": "v1"}
    assert "登记成功" in client.post(url, post).content.decode()
    client.post(url, post)
    assert VenueVisit.objects.filter(venue=hotel).count() == 1
    fever = client.post(url, {**post, "submission_id": "v2", "temperature": "37.8"}).content.decode()
    assert "体温异常" in fever
    assert Notification.objects.filter(kind="fever", recipient=world.staff_b).exists()
    bad = client.post(url, {**post, "submission_id": "v3", "temperature": "33"}).content.decode()
    assert "34.0" in bad and VenueVisit.objects.filter(venue=hotel).count() == 2
    assert client.get(reverse("returnees:checkin", args=["nope"])).status_code == 404
    # The public page shows no one else's registration.
    assert "访客甲" not in client.get(url).content.decode()


def test_elderly_home_suspends_visits(home, client, as_persona):
    today = timezone.localdate()
    response = as_persona("org_contact").post(
        reverse("returnees:venue_suspend", args=[home.pk]),
        {"from_date": today.isoformat(), "note": "疫情期间"},
    )
    assert response.status_code == 302
    url = reverse("returnees:checkin", args=[home.code])
    page = client.get(url).content.decode()
    assert "暂停探视" in page
    client.post(url, {"name": "探视者", "phone": "13812345678", "temperature": "36.5", "submission_id": "x"})
    assert not VenueVisit.objects.filter(venue=home).exists()
    assert (
        as_persona("staff_b").post(reverse("returnees:venue_suspend", args=[home.pk]), {}).status_code == 404
    )


def test_carer_in_isolation_cannot_go_on_shift(home, world, as_persona, make_input):
    from fangkong.returnees.tests.conftest import at

    data = make_input(name="护工")
    carer_id = data.id_number
    isolated = services.declare_return(actor=world.staff_a, data=data)
    url = reverse("returnees:venue_detail", args=[home.pk])
    client = as_persona("org_contact")
    response = client.post(
        url, {"name": "护工", "doc_type": "resident_id", "id_number": carer_id, "temperature": "36.5"}
    )
    assert "尚未签字解除" in response.content.decode()
    assert not VenueVisit.objects.filter(kind="shift").exists()
    iso = isolated.isolation
    services.release_isolation(
        actor=world.staff_a, isolation=iso, signoff_role="health_centre", now=at(iso.end_date, 9)
    )
    response = client.post(
        url, {"name": "护工", "doc_type": "resident_id", "id_number": carer_id, "temperature": "36.5"}
    )
    assert response.status_code == 302 and VenueVisit.objects.filter(kind="shift").count() == 1


def test_board_shows_fevers_and_does_not_grow_in_queries(
    world, as_persona, make_input, django_assert_max_num_queries
):
    import random

    from fangkong.core.testing import make_id_number

    rng = random.Random(3)

    def add(n):
        for _i in range(n):
            r = services.declare_return(actor=world.staff_a, data=make_input(id_number=make_id_number(rng)))
            services.submit_report(actor=None, isolation=r.isolation, temperature="37.9")

    client = as_persona("staff_a")
    add(2)
    with django_assert_max_num_queries(16) as small:
        body = client.get(reverse("returnees:board")).content.decode()
    assert "37.9" in body
    add(12)
    with django_assert_max_num_queries(16) as large:
        client.get(reverse("returnees:board"))
    assert len(large.captured_queries) == len(small.captured_queries)
    assert "37.9" not in as_persona("staff_b").get(reverse("returnees:board")).content.decode()


def test_english_catalogue(as_persona):
    from django.utils import translation

    with translation.override("en"):
        client = as_persona("staff_a")
        client.cookies["django_language"] = "en"
        body = client.get(reverse("returnees:board"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Health follow-up board" in body

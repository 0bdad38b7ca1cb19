"""Volunteers: the public sign-up (idempotent, rate-limited, telling nothing about anyone else, fuzzed), its
QR poster, the identity check against the registry by the ID number's hash, duty shifts through the pairing
roster solver, service hours from check-ins and their workbook, and a compound's gate as a registration
point."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.care import volunteers as service
from fangkong.care.choices import IdentityCheck, SignupStatus
from fangkong.care.models import ServiceSession, VolunteerSignup
from fangkong.core.links import public_url
from fangkong.core.models import AuditEvent
from fangkong.core.testing import decode_qr_in_html, make_id_number, make_phone
from fangkong.registry.models import Household, Resident, Volunteer

pytestmark = pytest.mark.django_db


def _form(world, **extra):
    data = {
        "n": world.hood_a.pk,
        "name": "郭文俊",
        "phone": "13912345678",
        "id_number": "",
        "skills": ["gate"],
        "weekdays": ["0", "2", "4"],
        "availability": "上午",
        "key": "k1",
    }
    data.update(extra)
    return data


@pytest.fixture
def known(world):
    """A resident of neighborhood A with an ID number the test knows (郭文俊, 公安街11弄2号401室)."""
    import random

    from fangkong.registry.services import set_personal

    number = make_id_number(random.Random(2020207))
    home = Household.objects.create(
        subdistrict=world.sub, neighborhood=world.hood_a, building=world.building_a, room="401"
    )
    resident = Resident(subdistrict=world.sub, neighborhood=world.hood_a, household=home, name="郭文俊")
    set_personal(resident, {"id_number": number})
    resident.save()
    return resident, number


def _sign_up(world, number, *, name="郭文俊", phone="13912345678", skills=("gate",), key="k1", hood=None):
    return service.sign_up(
        data=service.SignupInput(
            neighborhood=hood or world.hood_a,
            compound=world.compound_a if hood is None else None,
            name=name,
            phone=phone,
            id_number=number,
            skills=list(skills),
            weekdays=list(range(7)),
        ),
        public_key=key,
    )


def _bare(response):
    """A page without its per-response tokens (CSP nonce, CSRF token)."""
    return re.sub(r'(nonce|value)="[A-Za-z0-9+/=_-]{16,}"', "", response.content.decode())


def test_public_sign_up_is_idempotent_sealed_and_tells_nothing(world, known, client):
    _resident, number = known
    url = reverse("care:public_volunteer", args=[world.sub.pk])
    pick = client.get(url).content.decode()
    assert world.hood_a.name in pick and "郭文俊" not in pick
    form = _form(world, id_number=number, compound=world.compound_a.pk)
    first = client.post(url, form)
    second = client.post(url, form)  # the double submit
    assert first.status_code == second.status_code == 200
    rows = list(VolunteerSignup.objects.all())
    assert len(rows) == 1 and rows[0].status == SignupStatus.PENDING
    row = rows[0]
    assert row.compound == world.compound_a and row.weekdays == [0, 2, 4] and row.skills == ["gate"]
    assert "13912345678" not in row.phone_enc and number not in row.id_number_enc
    assert row.phone_masked.endswith("5678") and row.id_number_hash
    # another sign-up with the same phone (a new form) answers exactly the same page and adds nothing
    third = client.post(url, _form(world, id_number=number, key="k2", name="别人"))
    assert _bare(third) == _bare(first) and VolunteerSignup.objects.count() == 1
    for body in (first.content.decode(), third.content.decode()):
        assert "郭文俊" not in body and number not in body and "5678" not in body


def test_public_sign_up_refuses_bad_input_clearly(world, client):
    url = reverse("care:public_volunteer", args=[world.sub.pk])
    response = client.post(url, _form(world, id_number="110101199001011234", phone="123", skills=[]))
    body = response.content.decode()
    assert response.status_code == 200 and "errorlist" in body
    assert not VolunteerSignup.objects.exists()


def test_public_sign_up_is_rate_limited(world, known, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_CARE_VOLUNTEER", "ip=2,key=0,window=60")
    url = reverse("care:public_volunteer", args=[world.sub.pk])
    codes = [client.post(url, _form(world, key=f"k{i}")).status_code for i in range(3)]
    assert codes[-1] == 429


text = st.text(max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.one_of(text, st.integers(-5, 10**12).map(str)),
    name=text,
    phone=text,
    id_number=text,
    skills=st.lists(text, max_size=4),
    weekdays=st.lists(st.one_of(text, st.integers(-3, 9).map(str)), max_size=8),
    compound=st.one_of(text, st.integers(-3, 10**9).map(str)),
    key=text,
)
def test_public_sign_up_never_fails_on_any_input(
    world, client, monkeypatch, n, name, phone, id_number, skills, weekdays, compound, key
):
    monkeypatch.setenv("FANGKONG_RATE_CARE_VOLUNTEER", "off")
    url = reverse("care:public_volunteer", args=[world.sub.pk])
    data = {
        "n": n or str(world.hood_a.pk),
        "name": name,
        "phone": phone,
        "id_number": id_number,
        "skills": skills,
        "weekdays": weekdays,
        "compound": compound,
        "key": key,
    }
    response = client.post(url, data)
    assert response.status_code in (200, 404)


def test_the_poster_qr_opens_the_sign_up_of_the_compound(world, as_persona, settings):
    settings.FANGKONG_PUBLIC_BASE_URL = "https://fk.example.org"
    client = as_persona("staff_a")
    page = client.get(
        reverse("care:volunteer_poster"), {"hood": world.hood_a.pk, "compound": world.compound_a.pk}
    )
    decoded = decode_qr_in_html(page.content)
    expected = (
        public_url("care:public_volunteer", world.sub.pk) + f"?n={world.hood_a.pk}&c={world.compound_a.pk}"
    )
    assert decoded == expected
    opened = as_persona("anonymous").get(decoded.removeprefix("https://fk.example.org"))
    assert opened.status_code == 200 and world.compound_a.name in opened.content.decode()


def test_identity_is_checked_against_the_registry_by_hash(world, known):
    resident, number = known
    signup = _sign_up(world, number)
    with pytest.raises(PermissionDenied):
        service.verify_signup(actor=world.staff_b, signup=signup)
    done = service.verify_signup(actor=world.staff_a, signup=signup, is_party_member=True)
    assert done.status == SignupStatus.VERIFIED and done.identity == IdentityCheck.REGISTRY
    assert done.resident == resident
    volunteer = Volunteer.objects.get(pk=done.volunteer_id)
    assert volunteer.phone_hash == signup.phone_hash and volunteer.is_party_member
    assert volunteer.neighborhood == world.hood_a and "门岗" in volunteer.skills


def test_unknown_or_mismatched_identity_needs_the_card_seen(world, known):
    _resident, number = known
    import random

    stranger = _sign_up(
        world, make_id_number(random.Random(2020299)), phone=make_phone(random.Random(2020203)), key="s"
    )
    with pytest.raises(ValidationError) as refused:
        service.verify_signup(actor=world.staff_a, signup=stranger)
    assert "seen_in_person" in refused.value.message_dict
    assert VolunteerSignup.objects.get(pk=stranger.pk).status == SignupStatus.PENDING
    seen = service.verify_signup(actor=world.staff_a, signup=stranger, seen_in_person=True)
    assert seen.identity == IdentityCheck.IN_PERSON and seen.resident is None
    liar = _sign_up(world, number, name="冒名者", phone="13700000001", key="l")
    with pytest.raises(ValidationError):
        service.verify_signup(actor=world.staff_a, signup=liar)


def test_verification_page_offers_what_the_service_accepts(world, known, as_persona):
    _resident, number = known
    signup = _sign_up(world, number)
    url = reverse("care:signup_detail", args=[signup.pk])
    page = as_persona("staff_a").get(url).content.decode()
    assert "与实有人口一致" in page and number not in page
    assert as_persona("staff_b").get(url).status_code == 404
    viewer_page = as_persona("viewer").get(url).content.decode()
    assert "核实通过" not in viewer_page
    response = as_persona("staff_a").post(url, {"action": "verify", "is_party_member": "on"})
    assert response.status_code == 302
    assert VolunteerSignup.objects.get(pk=signup.pk).status == SignupStatus.VERIFIED


def _verified(world, count, *, skills=("gate",), hood=None):
    import random

    rng = random.Random(f"{count}{skills}{hood}")
    out = []
    for i in range(count):
        s = _sign_up(
            world,
            make_id_number(rng),
            name=f"志愿者{i}",
            phone=make_phone(rng),
            skills=skills,
            key=f"v{i}{skills}",
            hood=hood,
        )
        out.append(service.verify_signup(actor=world.hq, signup=s, seen_in_person=True))
    return out


def test_duty_shifts_come_from_the_pairing_roster_solver(world):
    from fangkong.pairing.choices import MemberKind
    from fangkong.pairing.models import RosterAssignment

    gate = _verified(world, 4, skills=("gate",))
    both = _verified(world, 4, skills=("delivery", "screening"))
    with pytest.raises(PermissionDenied):
        service.plan_duty(actor=world.cadre, neighborhood=world.hood_a, start_date=dt.date(2020, 2, 3))
    roster = service.plan_duty(
        actor=world.staff_a, neighborhood=world.hood_a, start_date=dt.date(2020, 2, 3), days=2, time_limit=5
    )
    assignments = list(RosterAssignment.objects.filter(roster=roster).select_related("template", "person"))
    assert assignments and roster.neighborhood == world.hood_a
    assert {a.person.kind for a in assignments} == {MemberKind.VOLUNTEER}
    assert len(assignments) == 2 * (2 + 2 + 1)  # two days of gate (2), screening (2) and delivery (1)
    gate_ids = {s.volunteer_id for s in gate}
    for a in assignments:
        if a.template.required_skill == "门岗":
            assert a.person.volunteer_id in gate_ids
        else:
            assert a.person.volunteer_id in {s.volunteer_id for s in both}
    # planned twice: the same duty people and shift templates, not new ones
    again = service.plan_duty(
        actor=world.staff_a, neighborhood=world.hood_a, start_date=dt.date(2020, 2, 10), days=2, time_limit=5
    )
    assert set(again.templates.all()) == set(roster.templates.all())
    assert set(again.people.all()) == set(roster.people.all())


def test_duty_page_leads_to_the_pairing_roster(world, as_persona):
    _verified(world, 3)
    client = as_persona("staff_a")
    response = client.post(
        reverse("care:volunteer_duty"),
        {
            "neighborhood": world.hood_a.pk,
            "start_date": "2020-02-03",
            "days": "3",
            "duties": ["gate"],
            "max_shifts_per_week": "3",
        },
    )
    assert response.status_code == 302 and "/pairing/" in response["Location"]
    assert as_persona("cadre").get(reverse("care:volunteer_duty")).status_code == 404


def test_service_hours_from_check_ins(world, as_persona):
    (signup,) = _verified(world, 1)
    volunteer = signup.volunteer
    start = timezone.now() - dt.timedelta(hours=3)
    session = service.check_in(actor=world.staff_a, volunteer=volunteer, duty="gate", at=start)
    assert service.check_in(actor=world.staff_a, volunteer=volunteer, duty="gate") == session  # double tap
    with pytest.raises(PermissionDenied):
        service.check_out(actor=world.staff_b, session=session)
    done = service.check_out(actor=world.staff_a, session=session, at=start + dt.timedelta(minutes=150))
    assert done.minutes == 150
    assert service.check_out(actor=world.staff_a, session=done).minutes == 150
    with transaction.atomic(), pytest.raises(IntegrityError):
        ServiceSession.objects.filter(pk=done.pk).update(minutes=25 * 60)
    row = service.hours_by_volunteer(Volunteer.objects.filter(pk=volunteer.pk)).get()
    assert row.minutes == 150 and row.sessions == 1
    # the phone page: check in, then out
    client = as_persona("staff_a")
    assert (
        client.post(
            reverse("care:volunteer_today"), {"action": "in", "volunteer": volunteer.pk, "duty": "delivery"}
        ).status_code
        == 302
    )
    open_one = ServiceSession.objects.get(volunteer=volunteer, ended_at__isnull=True)
    assert (
        as_persona("staff_b")
        .post(reverse("care:volunteer_today"), {"action": "out", "session": open_one.pk})
        .status_code
        == 404
    )
    # the workbook for commendation
    before = AuditEvent.objects.filter(action="export").count()
    response = client.get(reverse("care:volunteer_hours_xlsx"))
    assert response.status_code == 200
    sheet = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    assert volunteer.name in sheet and "2.5" in sheet
    assert AuditEvent.objects.filter(action="export").count() == before + 1


def test_volunteer_list_keeps_a_constant_query_count(world, as_persona, django_assert_max_num_queries):
    client = as_persona("staff_a")
    _verified(world, 2)
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("care:volunteers"), {"status": "verified"})
    _verified(world, 12, skills=("delivery",))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("care:volunteers"), {"status": "verified"})


def test_a_compound_gate_is_a_registration_point(world, as_persona):
    from fangkong.returnees import services as returnees
    from fangkong.returnees.models import Venue

    venue = returnees.ensure_venue(actor=world.staff_a, compound=world.compound_a)
    assert venue.compound == world.compound_a and venue.neighborhood == world.hood_a
    assert "志愿者服务点暨登记点" in venue.name
    assert returnees.ensure_venue(actor=world.staff_a, compound=world.compound_a) == venue
    with pytest.raises(ValidationError):
        returnees.ensure_venue(actor=world.staff_a, compound=world.compound_a, organization=world.org_a)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Venue.objects.filter(pk=venue.pk).update(organization=world.org_a)
    # the public check-in works at the gate
    checkin = as_persona("anonymous").get(reverse("returnees:checkin", args=[venue.code]))
    assert checkin.status_code == 200
    # offered on the poster page, and the returnees page makes it
    page = as_persona("staff_a").get(
        reverse("care:volunteer_poster"), {"hood": world.hood_a.pk, "compound": world.compound_b.pk}
    )
    assert page.status_code == 200
    Venue.objects.filter(pk=venue.pk).delete()
    page = (
        as_persona("staff_a")
        .get(reverse("care:volunteer_poster"), {"hood": world.hood_a.pk, "compound": world.compound_a.pk})
        .content.decode()
    )
    assert "设为健康登记点" in page
    response = as_persona("staff_a").post(
        reverse("returnees:venue_create"), {"kind": "compound", "pk": world.compound_a.pk}
    )
    assert response.status_code == 302 and Venue.objects.filter(compound=world.compound_a).exists()
    assert (
        as_persona("staff_b")
        .post(reverse("returnees:venue_create"), {"kind": "compound", "pk": world.compound_a.pk})
        .status_code
        == 404
    )


def test_the_api_verifies_like_the_page(world, known, as_persona):
    _resident, number = known
    signup = _sign_up(world, number)
    url = f"/api/v1/care/volunteer-signups/{signup.pk}/verify"
    assert as_persona("staff_b").post(url, {}, content_type="application/json").status_code == 404
    answer = as_persona("staff_a").post(url, {"is_party_member": True}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["identity"] == IdentityCheck.REGISTRY
    again = as_persona("staff_a").post(url, {}, content_type="application/json")
    assert again.status_code == 404  # no longer waiting: nothing to verify
    listed = as_persona("staff_a").get("/api/v1/care/volunteer-signups", {"status": "verified"}).json()
    assert [s["id"] for s in listed] == [signup.pk] and "13912345678" not in str(listed)
    hours = as_persona("staff_a").get("/api/v1/care/volunteer-hours").json()
    assert {h["volunteer_id"] for h in hours} >= {answer.json()["volunteer_id"]}


def test_the_public_api_sign_up_answers_the_same_and_stores_once(world, known, client):
    _resident, number = known
    body = {
        "neighborhood_id": world.hood_a.pk,
        "compound_id": world.compound_a.pk,
        "name": "郭文俊",
        "phone": "13912345678",
        "id_number": number,
        "skills": ["gate", "nonsense"],
        "weekdays": [0, 9],
        "submission_id": "s-1",
    }
    url = "/api/v1/care/public/volunteer-signups"
    answers = [client.post(url, body, content_type="application/json") for _ in range(2)]
    other = client.post(url, {**body, "submission_id": "s-2"}, content_type="application/json")
    assert [a.status_code for a in (*answers, other)] == [202, 202, 202]
    assert answers[0].json() == other.json() == {"ok": True}
    row = VolunteerSignup.objects.get()
    assert row.skills == ["gate"] and row.weekdays == [0]
    bad = client.post(
        url, {**body, "name": "a\x00b", "submission_id": "s-3"}, content_type="application/json"
    )
    assert bad.status_code == 422 and VolunteerSignup.objects.count() == 1
    elsewhere = client.post(
        url, {**body, "compound_id": world.compound_b.pk}, content_type="application/json"
    )
    assert elsewhere.status_code == 422


def test_the_committee_gets_one_alert_a_day_however_many_sign_up(world, known):
    from fangkong.core.models import Notification

    _resident, number = known
    import random

    _sign_up(world, number)
    _sign_up(world, make_id_number(random.Random(2020208)), name="李红", phone="13700000002", key="k2")
    alerts = Notification.objects.filter(kind="care.volunteer_signup", recipient=world.staff_a)
    assert alerts.count() == 1 and alerts.get().link == reverse("care:volunteers")

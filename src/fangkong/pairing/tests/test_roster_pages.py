"""Roster setup (available weekdays, leave) and the swap picker: personas, validation, approval."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangkong.pairing import services
from fangkong.pairing.models import DutyPerson, RosterAssignment, ShiftSwap, Unavailability
from fangkong.pairing.rostering import PersonIn
from fangkong.registry.models import Volunteer

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def _volunteer(pw, name="周志愿"):
    return Volunteer.objects.create(subdistrict=pw.w.sub, neighborhood=pw.w.hood_a, name=name)


def test_setup_page_personas(pw, as_persona):
    url = reverse("pairing:roster_setup")
    html = as_persona("hq").get(url).content.decode()
    assert "可值班星期" in html and "周一" in html and "周日" in html
    assert as_persona("staff_a").get(url).status_code == 200
    for persona in ("cadre", "org_contact"):
        assert as_persona(persona).get(url).status_code == 404
        assert as_persona(persona).post(url, {"action": "person"}).status_code == 404
    anon = as_persona("anonymous").get(url)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]


def test_person_form_saves_weekdays_and_leave(pw, as_persona):
    v = _volunteer(pw)
    resp = as_persona("staff_a").post(
        reverse("pairing:roster_setup"),
        {
            "action": "person",
            "volunteer": v.pk,
            "available_weekdays": ["0", "2", "4"],
            "leave_start": TODAY.isoformat(),
            "leave_end": (TODAY + dt.timedelta(days=2)).isoformat(),
        },
    )
    assert resp.status_code == 302
    person = DutyPerson.objects.get(volunteer=v)
    assert person.available_weekdays == [0, 2, 4]
    leave = Unavailability.objects.get(person=person)
    assert (leave.start_date, leave.end_date) == (TODAY, TODAY + dt.timedelta(days=2))
    page = as_persona("staff_a").get(reverse("pairing:roster_setup")).content.decode()
    assert "周一、周三、周五" in page
    # the solver input carries the weekdays
    from fangkong.pairing.services import roster_input

    gate = services.create_shift_template(
        actor=pw.w.hq, point=pw.point_a, name="门岗", start_time=dt.time(7), end_time=dt.time(19)
    )
    roster = services.create_roster(
        actor=pw.w.hq,
        subdistrict=pw.w.sub,
        name="x",
        start_date=TODAY,
        end_date=TODAY,
        templates=[gate],
        people=[person],
    )
    _shifts, persons, _rules = roster_input(roster)
    assert isinstance(persons[0], PersonIn) and persons[0].available_weekdays == frozenset({0, 2, 4})
    # sending the form again for the same person updates the weekdays (audited update, no duplicate)
    as_persona("staff_a").post(
        reverse("pairing:roster_setup"),
        {"action": "person", "volunteer": v.pk, "available_weekdays": ["5", "6"]},
    )
    assert DutyPerson.objects.filter(volunteer=v).count() == 1
    assert DutyPerson.objects.get(volunteer=v).available_weekdays == [5, 6]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"available_weekdays": []}, "请至少选择一个可值班的星期。"),
        ({"available_weekdays": ["0", "9"]}, "选择一个有效的选项"),
        ({"available_weekdays": ["0"], "leave_start": TODAY.isoformat()}, "请假须同时填写开始和结束日期。"),
        (
            {
                "available_weekdays": ["0"],
                "leave_start": TODAY.isoformat(),
                "leave_end": (TODAY - dt.timedelta(days=1)).isoformat(),
            },
            "请假结束日期不能早于开始日期。",
        ),
    ],
)
def test_person_form_bad_input(pw, as_persona, data, message):
    v = _volunteer(pw)
    resp = as_persona("hq").post(
        reverse("pairing:roster_setup"), {"action": "person", "volunteer": v.pk, **data}
    )
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert not DutyPerson.objects.filter(volunteer=v).exists()


def test_service_refuses_empty_weekdays(pw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="可值班的星期"):
        services.add_duty_person(
            actor=pw.w.hq, subdistrict=pw.w.sub, volunteer=_volunteer(pw), available_weekdays=[]
        )


# ---------------------------------------------------------------- swap picker


@pytest.fixture
def solved(roster_world):
    pw = roster_world
    services.solve_roster(actor=pw.w.hq, roster=pw.roster, time_limit=5)
    pw.mine = DutyPerson.objects.get(cadre=pw.cadre_a)
    return pw


def test_picker_lists_own_and_colleagues_shifts(solved, as_persona):
    pw = solved
    url = reverse("pairing:roster", args=[pw.roster.pk])
    html = as_persona("cadre").get(url).content.decode()
    assert 'id="swap-form"' in html and "我的班次" in html and "换给同事的班次" in html
    own = RosterAssignment.objects.filter(roster=pw.roster, person=pw.mine)
    others = RosterAssignment.objects.filter(roster=pw.roster).exclude(person=pw.mine)
    first_select = html.split('name="first"')[1].split("</select>")[0]
    second_select = html.split('name="second"')[1].split("</select>")[0]
    assert all(f'value="{a.pk}"' in first_select for a in own)
    assert not any(f'value="{a.pk}"' in first_select for a in others)
    assert all(f'value="{a.pk}"' in second_select for a in others)
    assert not any(f'value="{a.pk}"' in second_select for a in own)


def test_cadre_requests_swap_and_manager_approves(solved, as_persona):
    pw = solved
    url = reverse("pairing:roster", args=[pw.roster.pk])
    a = RosterAssignment.objects.filter(roster=pw.roster, person=pw.mine).first()
    b = RosterAssignment.objects.filter(roster=pw.roster).exclude(person=pw.mine).first()
    resp = as_persona("cadre").post(
        url, {"action": "swap", "first": a.pk, "second": b.pk, "note": "家中有事"}
    )
    assert resp.status_code == 302
    swap = ShiftSwap.objects.get()
    assert swap.status == "pending" and swap.note == "家中有事"
    # nothing changes before approval
    assert RosterAssignment.objects.get(pk=a.pk).person_id == pw.mine.pk
    # the cadre cannot approve; staff of the roster's neighborhood can
    assert as_persona("cadre").post(url, {"action": "approve", "swap": swap.pk}).status_code == 404
    resp = as_persona("staff_a").post(url, {"action": "approve", "swap": swap.pk})
    assert resp.status_code == 302
    assert ShiftSwap.objects.get().status == "approved"
    assert RosterAssignment.objects.get(pk=a.pk).person_id == b.person_id
    assert RosterAssignment.objects.get(pk=b.pk).person_id == pw.mine.pk


def test_picker_refuses_other_peoples_shift_as_mine(solved, as_persona):
    pw = solved
    url = reverse("pairing:roster", args=[pw.roster.pk])
    others = list(RosterAssignment.objects.filter(roster=pw.roster).exclude(person=pw.mine)[:20])
    b = others[0]
    c = next(o for o in others if o.person_id != b.person_id)
    resp = as_persona("cadre").post(url, {"action": "swap", "first": c.pk, "second": b.pk}, follow=True)
    assert "请从列表中选择" in resp.content.decode()
    assert not ShiftSwap.objects.exists()


def test_swap_personas(solved, as_persona):
    pw = solved
    url = reverse("pairing:roster", args=[pw.roster.pk])
    a = RosterAssignment.objects.filter(roster=pw.roster, person=pw.mine).first()
    b = RosterAssignment.objects.filter(roster=pw.roster).exclude(person=pw.mine).first()
    data = {"action": "swap", "first": a.pk, "second": b.pk}
    for persona in ("staff_b", "org_contact"):
        assert as_persona(persona).post(url, data).status_code == 404
    anon = as_persona("anonymous").post(url, data)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]
    assert not ShiftSwap.objects.exists()
    # a manager not on the roster picks any two shifts of two people
    html = as_persona("hq").get(url).content.decode()
    assert "班次一" in html and "班次二" in html
    assert as_persona("hq").post(url, data).status_code == 302
    assert ShiftSwap.objects.count() == 1


def test_enrolling_with_a_refused_leave_adds_nobody(pw):
    """The pool form's two writes are one service and one transaction: a refused leave rolls back the add."""
    v = _volunteer(pw, name="吴志愿")
    with pytest.raises(ValidationError):
        services.enrol_duty_person(
            actor=pw.w.hq,
            subdistrict=pw.w.sub,
            volunteer=v,
            leave_start=TODAY,
            leave_end=TODAY - dt.timedelta(days=1),
        )
    assert not DutyPerson.objects.filter(volunteer=v).exists()
    person = services.enrol_duty_person(
        actor=pw.w.hq, subdistrict=pw.w.sub, volunteer=v, leave_start=TODAY, leave_end=TODAY
    )
    assert Unavailability.objects.filter(person=person, start_date=TODAY, end_date=TODAY).count() == 1

"""Persona expectations for the care pages and API (format: ``fangkong.core.tests.matrix``).

The world holds resident A (neighborhood A) in care, delivered on Mondays, with one recorded visit.
"""

from __future__ import annotations

from types import SimpleNamespace

from fangkong.core.tests.matrix import ALLOWED, LOGIN, Case, answers


def build(w: SimpleNamespace) -> None:
    from fangkong.care import donations, services

    w.care_a = services.enrol_care(
        actor=w.staff_a,
        resident=w.resident_a,
        data=services.CareInput(weekday=0, items="蔬菜一袋", needs=["vegetables"]),
    )
    services.record_delivery(actor=w.staff_a, record=w.care_a, outcome="delivered")
    w.donation_a = donations.record_donation(
        actor=w.staff_a,
        subdistrict_id=w.sub.pk,
        neighborhood=w.hood_a,
        donor_kind="resident",
        donor_name="郭文俊",
        public_thanks=True,
        lines=[donations.Line("取暖器", "台", 1), donations.Line("口罩", "只", 50, is_masks=True)],
    )
    w.heater_a, w.masks_a = [ln.item for ln in w.donation_a.lines.order_by("pk")]
    _build_volunteers(w)
    _build_briefings(w)
    _build_liangxin(w)


def _build_liangxin(w: SimpleNamespace) -> None:
    from fangkong.care import liangxin

    w.liangxin_a = liangxin.mark_organization(
        actor=w.staff_a, organization=w.org_a, kind="social", party_members=6
    )


def _build_briefings(w: SimpleNamespace) -> None:
    import datetime as dt

    from fangkong.care import briefings
    from fangkong.registry.models import PartyBranch

    w.branch_a = PartyBranch.objects.create(subdistrict=w.sub, neighborhood=w.hood_a, name="安汾第一党支部")
    w.briefing_a = briefings.create_briefing(
        actor=w.staff_a,
        subdistrict_id=w.sub.pk,
        neighborhood=w.hood_a,
        title="微党课：战疫情、讲担当",
        day=dt.date(2020, 2, 7),
        invited=[(w.branch_a, 5)],
    )
    briefings.record_question(actor=w.staff_a, briefing=w.briefing_a, text="居家隔离怎么买菜？")


def _build_volunteers(w: SimpleNamespace) -> None:
    import random

    from fangkong.care import volunteers
    from fangkong.core.testing import make_id_number

    rng = random.Random("care-personas")

    def signup(name: str, phone: str) -> object:
        return volunteers.sign_up(
            data=volunteers.SignupInput(
                neighborhood=w.hood_a,
                compound=w.compound_a,
                name=name,
                phone=phone,
                id_number=make_id_number(rng),
                skills=["gate"],
                weekdays=[0, 1, 2],
            ),
            public_key=f"persona:{name}",
        )

    w.signup_a = signup("报名甲", "13900000011")
    verified = volunteers.verify_signup(
        actor=w.hq, signup=signup("志愿乙", "13900000012"), seen_in_person=True
    )
    w.volunteer_a = verified.volunteer


# Who sees the care pages: every staff persona of the care domain; not organisation contacts, nor the
# functional office of another domain.
SEE = answers(200, org_contact=404, office=404, anonymous=LOGIN)
SEE_API = answers(200, org_contact=404, office=404, anonymous=401)
# Who works on the person in care in neighborhood A.
READ_A = answers(404, hq=200, staff_a=200, cadre=200, viewer=200, auditor=200, anonymous=LOGIN)
WRITE_A = answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN)
EDIT_A = answers(404, hq=200, staff_a=200, cadre=200, anonymous=LOGIN)

DONATE = answers(
    404, hq=ALLOWED, staff_a=ALLOWED, staff_b=ALLOWED, cadre=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN
)

EXPECTATIONS = {
    "care:donations": Case(get=SEE),
    "care:donation_new": Case(
        get=answers(404, hq=200, staff_a=200, staff_b=200, cadre=200, other_hq=200, anonymous=LOGIN),
        post=DONATE,
        data=lambda w: {
            "donor_kind": "anonymous",
            "received_on": "2020-02-07",
            "item_0": "矿泉水",
            "unit_0": "箱",
            "qty_0": "2",
        },
    ),
    "care:donation_detail": Case(kwargs=lambda w: {"pk": w.donation_a.pk}, get=READ_A),
    "care:donation_receipt": Case(kwargs=lambda w: {"pk": w.donation_a.pk}, get=READ_A),
    "care:distribute": Case(
        kwargs=lambda w: {"pk": w.heater_a.pk},
        get=EDIT_A,
        post=WRITE_A,
        data=lambda w: {
            "quantity": "1",
            "target_kind": "point",
            "target_compound": w.compound_a.pk,
            "day": "2020-02-07",
        },
    ),
    "care:masks_to_stock": Case(
        kwargs=lambda w: {"pk": w.masks_a.pk},
        get=answers(404, hq=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, anonymous=LOGIN),
        data=lambda w: {"quantity": "10"},
    ),
    "care:materials": Case(
        get=SEE,
        post=answers(
            404,
            hq=ALLOWED,
            staff_a=ALLOWED,
            staff_b=ALLOWED,
            cadre=ALLOWED,
            other_hq=ALLOWED,
            anonymous=LOGIN,
        ),
        data=lambda w: {
            "kind": "letter",
            "day": "2020-02-07",
            "handed_out": "30",
            "returned": "0",
            "posted": "0",
        },
    ),
    "GET /api/v1/care/materials": Case(get=SEE_API),
    "POST /api/v1/care/materials": Case(
        post=answers(
            404, hq=ALLOWED, staff_a=ALLOWED, staff_b=ALLOWED, cadre=ALLOWED, other_hq=ALLOWED, anonymous=401
        ),
        data=lambda w: {"kind": "guide", "handed_out": 20},
    ),
    "GET /api/v1/care/donations": Case(get=SEE_API),
    "GET /api/v1/care/donation-items": Case(get=SEE_API),
    "POST /api/v1/care/donations": Case(
        post=answers(
            404, hq=ALLOWED, staff_a=ALLOWED, staff_b=ALLOWED, cadre=ALLOWED, other_hq=ALLOWED, anonymous=401
        ),
        data=lambda w: {
            "donor_kind": "anonymous",
            "lines": [{"name": "暖宝宝", "unit": "盒", "quantity": 3}],
        },
    ),
    "POST /api/v1/care/donation-items/{item_id}/distributions": Case(
        kwargs=lambda w: {"item_id": w.heater_a.pk},
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=401),
        data=lambda w: {"quantity": 1, "target_kind": "committee"},
    ),
    "care:public_volunteer": Case(
        kwargs=lambda w: {"subdistrict_id": w.sub.pk},
        get=answers(200),
        post=answers(200),
        data=lambda w: {
            "n": w.hood_a.pk,
            "name": "新志愿者",
            "phone": "13900000099",
            "id_number": "",
            "skills": ["delivery"],
            "weekdays": ["5", "6"],
            "key": "persona-matrix",
        },
    ),
    "care:volunteers": Case(get=SEE),
    "care:volunteer_poster": Case(get=SEE),
    "care:volunteer_hours_xlsx": Case(get=SEE),
    "care:signup_detail": Case(
        kwargs=lambda w: {"pk": w.signup_a.pk},
        get=READ_A,
        post=WRITE_A,
        data=lambda w: {"action": "reject", "note": "重复报名"},
    ),
    "care:volunteer_duty": Case(
        get=answers(404, hq=200, staff_a=200, staff_b=200, other_hq=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, staff_b=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN),
        data=lambda w: {
            "neighborhood": w.hood_a.pk,
            "start_date": "2020-02-03",
            "days": "1",
            "duties": ["gate"],
            "max_shifts_per_week": "3",
        },
    ),
    "care:volunteer_today": Case(
        get=SEE,
        post=WRITE_A,
        data=lambda w: {"action": "in", "volunteer": w.volunteer_a.pk, "duty": "gate"},
    ),
    "GET /api/v1/care/volunteer-signups": Case(get=SEE_API),
    "GET /api/v1/care/volunteer-hours": Case(get=SEE_API),
    "POST /api/v1/care/volunteer-signups/{signup_id}/verify": Case(
        kwargs=lambda w: {"signup_id": w.signup_a.pk},
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=401),
        data=lambda w: {"seen_in_person": True},
    ),
    "care:briefings": Case(get=SEE),
    "care:briefing_new": Case(
        get=answers(404, hq=200, staff_a=200, staff_b=200, cadre=200, other_hq=200, anonymous=LOGIN),
        post=answers(
            404,
            hq=ALLOWED,
            staff_a=ALLOWED,
            staff_b=ALLOWED,
            cadre=ALLOWED,
            other_hq=ALLOWED,
            anonymous=LOGIN,
        ),
        data=lambda w: {
            "title": "微党课",
            "day": "2020-02-07",
            "planned_minutes": "30",
            "neighborhood": w.hood_a.pk,
            f"expected_{w.branch_a.pk}": "5",
        },
    ),
    "care:briefing_detail": Case(
        kwargs=lambda w: {"pk": w.briefing_a.pk},
        get=READ_A,
        post=WRITE_A,
        data=lambda w: {"action": "question", "text": "怎么买菜？"},
    ),
    "care:briefing_poster": Case(kwargs=lambda w: {"pk": w.briefing_a.pk}, get=READ_A),
    "care:public_briefing": Case(
        kwargs=lambda w: {"code": w.briefing_a.code},
        get=answers(200),
        post=answers(200),
        data=lambda w: {"name": "张三", "branch": w.branch_a.pk},
    ),
    "GET /api/v1/care/briefings": Case(get=SEE_API),
    "GET /api/v1/care/briefings/{briefing_id}": Case(
        kwargs=lambda w: {"briefing_id": w.briefing_a.pk},
        get=answers(404, hq=200, staff_a=200, cadre=200, viewer=200, auditor=200, anonymous=401),
    ),
    "POST /api/v1/care/briefings/{briefing_id}/questions": Case(
        kwargs=lambda w: {"briefing_id": w.briefing_a.pk},
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=401),
        data=lambda w: {"text": "返沪人员怎么登记？"},
    ),
    "care:liangxin": Case(
        get=SEE,
        post=DONATE,
        data=lambda w: {"organization": w.org_a.pk, "kind": "economic", "party_members": "3"},
    ),
    "care:liangxin_detail": Case(
        kwargs=lambda w: {"pk": w.liangxin_a.pk},
        get=READ_A,
        post=WRITE_A,
        data=lambda w: {"kind": "letters", "day": "2020-02-06", "members": "2", "quantity": "40"},
    ),
    "GET /api/v1/care/liangxin": Case(get=SEE_API),
    "POST /api/v1/care/public/volunteer-signups": Case(
        post=answers(ALLOWED),
        data=lambda w: {
            "neighborhood_id": w.hood_a.pk,
            "name": "接口志愿者",
            "phone": "13900000077",
            "id_number": "",
            "skills": ["gate"],
            "weekdays": [1],
            "submission_id": "persona",
        },
    ),
    "POST /api/v1/care/public/briefings/{code}/check-in": Case(
        kwargs=lambda w: {"code": w.briefing_a.code},
        post=answers(ALLOWED),
        data=lambda w: {"name": "接口党员", "branch_id": w.branch_a.pk},
    ),
    "care:register": Case(get=SEE),
    "care:missed": Case(get=SEE),
    "care:candidates": Case(
        get=SEE,
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN),
        data=lambda w: {"resident": w.resident_a.pk},
    ),
    "care:record_detail": Case(kwargs=lambda w: {"pk": w.care_a.pk}, get=READ_A),
    "care:record_edit": Case(
        kwargs=lambda w: {"pk": w.care_a.pk},
        get=EDIT_A,
        post=WRITE_A,
        data=lambda w: {"reason": "alone", "mobility": "partial", "status": "active", "weekday": "2"},
    ),
    "care:delivery_new": Case(
        kwargs=lambda w: {"pk": w.care_a.pk},
        get=EDIT_A,
        post=WRITE_A,
        data=lambda w: {"outcome": "delivered", "welfare": "well"},
    ),
    "GET /api/v1/care/records": Case(get=SEE_API),
    "GET /api/v1/care/missed": Case(get=SEE_API),
    "GET /api/v1/care/records/{record_id}": Case(
        kwargs=lambda w: {"record_id": w.care_a.pk},
        get=answers(404, hq=200, staff_a=200, cadre=200, viewer=200, auditor=200, anonymous=401),
    ),
    "POST /api/v1/care/records/{record_id}/deliveries": Case(
        kwargs=lambda w: {"record_id": w.care_a.pk},
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=401),
        data=lambda w: {"outcome": "not_home"},
    ),
}

"""Persona expectations for the care pages and API (format: ``fangkong.core.tests.matrix``).

The world holds resident A (neighborhood A) in care, delivered on Mondays, with one recorded visit.
"""

from __future__ import annotations

from types import SimpleNamespace

from fangkong.core.tests.matrix import ALLOWED, LOGIN, Case, answers


def build(w: SimpleNamespace) -> None:
    from fangkong.care import services

    w.care_a = services.enrol_care(
        actor=w.staff_a,
        resident=w.resident_a,
        data=services.CareInput(weekday=0, items="蔬菜一袋", needs=["vegetables"]),
    )
    services.record_delivery(actor=w.staff_a, record=w.care_a, outcome="delivered")


# Who sees the care pages: every staff persona of the care domain; not organisation contacts, nor the
# functional office of another domain.
SEE = answers(200, org_contact=404, office=404, anonymous=LOGIN)
SEE_API = answers(200, org_contact=404, office=404, anonymous=401)
# Who works on the person in care in neighborhood A.
READ_A = answers(404, hq=200, staff_a=200, cadre=200, viewer=200, auditor=200, anonymous=LOGIN)
WRITE_A = answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN)
EDIT_A = answers(404, hq=200, staff_a=200, cadre=200, anonymous=LOGIN)

EXPECTATIONS = {
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

"""Persona expectations for the tickets pages and API (format: ``fangkong.core.tests.matrix``).

The world holds 市北燃气, a partner unit serving the sub-district, a ticket of neighborhood A opened by its
committee (dispatched to the unit) and a resident's report of A waiting for confirmation. The world's
organisation contact belongs to another organisation: it sees none of the unit's tickets."""

from __future__ import annotations

from types import SimpleNamespace

from fangkong.core.tests.matrix import ALLOWED, LOGIN, Case, answers


def build(w: SimpleNamespace) -> None:
    from fangkong.registry.models import Organization
    from fangkong.tickets import services

    org = Organization.objects.create(subdistrict=w.sub, name="市北燃气", kind="partner_unit")
    w.ticket_unit = services.register_unit(actor=w.hq, organization=org, service_kind="gas", hotline="95158")
    services.set_service(
        actor=w.hq,
        unit=w.ticket_unit,
        kind="gas_leak",
        urgency="urgent",
        respond_minutes=10,
        arrive_minutes=30,
        resolve_hours=4,
    )
    w.ticket_a = services.open_ticket(
        actor=w.staff_a, building=w.building_a, room="101", kind="gas_leak", description="闻到煤气味"
    )
    w.public_ticket = services.open_ticket(
        actor=None, building=w.building_a, room="101", kind="no_gas", public_key="persona-world"
    )


PAGE = answers(200, office=404, anonymous=LOGIN)
ROW_A = answers(404, hq=200, staff_a=200, cadre=200, viewer=200, auditor=200, anonymous=LOGIN)
WRITE_A = answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN)
NOBODY = answers(404, anonymous=LOGIN)
POST_ONLY = answers(405, anonymous=LOGIN)
HQ_ONLY = answers(404, hq=ALLOWED, anonymous=LOGIN)
OPENERS = answers(404, hq=200, staff_a=200, staff_b=200, cadre=200, other_hq=200, anonymous=LOGIN)


def _ticket(w: SimpleNamespace) -> dict[str, int]:
    return {"pk": w.ticket_a.pk}


def _unit(w: SimpleNamespace) -> dict[str, int]:
    return {"pk": w.ticket_unit.pk}


EXPECTATIONS: dict[str, Case] = {
    "tickets:board": Case(get=PAGE),
    "tickets:new": Case(
        get=OPENERS,
        post=answers(
            404,
            hq=ALLOWED,
            staff_a=ALLOWED,
            staff_b=ALLOWED,
            cadre=ALLOWED,
            other_hq=ALLOWED,
            anonymous=LOGIN,
        ),
    ),
    "tickets:detail": Case(kwargs=_ticket, get=ROW_A),
    "tickets:move": Case(
        kwargs=_ticket, get=POST_ONLY, post=WRITE_A, data=lambda w: {"to_state": "cancelled"}
    ),
    "tickets:confirm": Case(kwargs=lambda w: {"pk": w.public_ticket.pk}, get=POST_ONLY, post=WRITE_A),
    "tickets:consent": Case(kwargs=_ticket, get=POST_ONLY, post=NOBODY, data=lambda w: {"who": "户主"}),
    "tickets:flats": Case(kwargs=_ticket, get=POST_ONLY, post=NOBODY),
    "tickets:photo": Case(kwargs=_ticket, get=POST_ONLY, post=WRITE_A),
    "tickets:units": Case(get=PAGE, post=answers(404, hq=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN)),
    "tickets:unit": Case(
        kwargs=_unit, get=answers(200, org_contact=404, office=404, other_hq=404, anonymous=LOGIN)
    ),
    "tickets:kit": Case(kwargs=_unit, get=POST_ONLY, post=HQ_ONLY),
    "tickets:service": Case(kwargs=_unit, get=POST_ONLY, post=HQ_ONLY),
    "tickets:member": Case(kwargs=_unit, get=POST_ONLY, post=HQ_ONLY),
    "tickets:roster": Case(kwargs=_unit, get=POST_ONLY, post=HQ_ONLY),
    "tickets:performance": Case(get=PAGE),
    "tickets:poster": Case(get=answers(200, office=404, org_contact=404, anonymous=LOGIN)),
    "tickets:my_duty": Case(get=NOBODY, post=NOBODY),
    "tickets:public_report": Case(
        kwargs=lambda w: {"subdistrict_id": w.sub.pk}, get=answers(200), post=answers(ALLOWED)
    ),
    "GET /api/v1/tickets/board": Case(get=answers(200, office=404, anonymous=401)),
    "GET /api/v1/tickets/units": Case(get=answers(200, office=404, anonymous=401)),
    "GET /api/v1/tickets/tickets/{pk}": Case(
        kwargs=_ticket,
        get=answers(404, hq=200, staff_a=200, cadre=200, viewer=200, auditor=200, anonymous=401),
    ),
    "POST /api/v1/tickets/tickets": Case(
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=401),
        data=lambda w: {"building_id": w.building_a.pk, "kind": "gas_leak", "room": "101"},
    ),
    "POST /api/v1/tickets/tickets/{pk}/move": Case(
        kwargs=_ticket,
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, viewer=409, auditor=409, anonymous=401),
        data=lambda w: {"to_state": "cancelled"},
    ),
}

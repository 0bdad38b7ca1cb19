"""Persona expectations for the pairing pages and API (format: ``fangkong.core.tests.matrix``).

The world holds the points of 江湾 with the cadre paired to neighborhood A, a team and a task of A, an open
optimiser proposal, today's check-in rounds of building A, and a roster of A's gate with its duty people.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from fangkong.core.tests.matrix import ALLOWED, LOGIN, Case, answers


def build(w: SimpleNamespace) -> None:
    from fangkong.pairing import services
    from fangkong.pairing.models import CheckInRound, PairingProposal, Point

    today = dt.date.today()
    services.ensure_points(actor=w.hq, subdistrict=w.sub)
    w.point_a = Point.objects.get(neighborhood=w.hood_a, kind="neighborhood")
    w.pairing_a = services.pair_cadre(actor=w.hq, cadre=w.support_cadre, point=w.point_a)
    w.team_a = services.create_team(actor=w.hq, subdistrict=w.sub, name="安汾突击队", neighborhood=w.hood_a)
    w.task_a = services.create_task(
        actor=w.hq, title="排查空置房", owner_name="张老师", pairing=w.pairing_a, due_date=today
    )
    w.proposal = PairingProposal.objects.create(subdistrict=w.sub, solver_status="OPTIMAL", created_by=w.hq)
    template = services.create_task_template(actor=w.hq, subdistrict=w.sub, name="电梯消毒")
    services.apply_template(actor=w.hq, template=template, buildings=[w.building_a])
    services.generate_rounds(actor=w.hq, subdistrict=w.sub, start=today)
    w.checkin_round = CheckInRound.objects.filter(building=w.building_a).first()
    gate = services.create_shift_template(
        actor=w.hq,
        point=w.point_a,
        name="门岗白班",
        start_time=dt.time(7),
        end_time=dt.time(19),
        head_count=1,
    )
    w.duty_person = services.add_duty_person(actor=w.hq, subdistrict=w.sub, cadre=w.support_cadre)
    w.roster = services.create_roster(
        actor=w.hq,
        subdistrict=w.sub,
        name="安汾门岗",
        start_date=today,
        end_date=today + dt.timedelta(days=6),
        templates=[gate],
        people=[w.duty_person],
        neighborhood=w.hood_a,
    )


EXPECTATIONS: dict[str, Case] = {
    "pairing:board": Case(get=answers(200, org_contact=404, anonymous=LOGIN)),
    "pairing:sync_points": Case(
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:add_unit": Case(
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:point": Case(
        kwargs=lambda w: {"pk": w.point_a.pk},
        get=answers(200, staff_b=404, org_contact=404, office=404, other_hq=404, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:pairing_edit": Case(
        kwargs=lambda w: {"pk": w.pairing_a.pk},
        get=answers(404, hq=200, staff_a=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:tasks": Case(get=answers(200, org_contact=404, anonymous=LOGIN)),
    "pairing:task_create": Case(get=answers(405, anonymous=LOGIN), post=answers(404, anonymous=LOGIN)),
    "pairing:task_status": Case(
        kwargs=lambda w: {"pk": w.task_a.pk},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:teams": Case(
        get=answers(200, org_contact=404, anonymous=LOGIN),
        post=answers(ALLOWED, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "pairing:team": Case(
        kwargs=lambda w: {"pk": w.team_a.pk},
        get=answers(200, staff_b=404, org_contact=404, office=404, other_hq=404, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:branch": Case(
        get=answers(200, org_contact=404, anonymous=LOGIN),
        post=answers(404, anonymous=LOGIN),
    ),
    "pairing:optimiser": Case(get=answers(404, hq=200, other_hq=200, anonymous=LOGIN)),
    "pairing:optimiser_settings": Case(
        get=answers(404, hq=200, other_hq=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:proposal": Case(
        kwargs=lambda w: {"pk": w.proposal.pk},
        get=answers(404, hq=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:buildings": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "pairing:building_qr": Case(
        kwargs=lambda w: {"pk": w.building_a.pk},
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
    ),
    "pairing:poster": Case(
        kwargs=lambda w: {"pk": w.building_a.pk},
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
    ),
    "pairing:checkin": Case(
        kwargs=lambda w: {"pk": w.building_a.pk},
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:rounds": Case(get=answers(200, org_contact=404, anonymous=LOGIN)),
    "pairing:rosters": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "pairing:roster_setup": Case(
        get=answers(200, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "pairing:roster": Case(
        kwargs=lambda w: {"pk": w.roster.pk},
        get=answers(404, hq=200, staff_a=200, cadre=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN),
    ),
    "pairing:duty_person": Case(
        kwargs=lambda w: {"pk": w.duty_person.pk},
        get=answers(404, hq=200, staff_a=200, cadre=200, anonymous=LOGIN),
    ),
    "pairing:ical": Case(kwargs=lambda w: {"token": w.duty_person.calendar_token}, get=answers(200)),
    "GET /api/v1/pairing/coverage": Case(get=answers(200, anonymous=401)),
    "GET /api/v1/pairing/pairings": Case(get=answers(200, anonymous=401)),
    "GET /api/v1/pairing/buildings/unassigned": Case(get=answers(200, anonymous=401)),
    "GET /api/v1/pairing/rounds": Case(get=answers(200, anonymous=401)),
    "POST /api/v1/pairing/rounds/{round_id}/checkin": Case(
        kwargs=lambda w: {"round_id": w.checkin_round.pk},
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=403, viewer=403, auditor=403, anonymous=401),
        data=lambda w: {"note": "已消毒"},
    ),
    "POST /api/v1/pairing/rounds/{round_id}/checkin/photo": Case(
        kwargs=lambda w: {"round_id": w.checkin_round.pk},
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=403, viewer=403, auditor=403, anonymous=401),
    ),
    "GET /api/v1/pairing/rounds/missed": Case(get=answers(200, anonymous=401)),
}

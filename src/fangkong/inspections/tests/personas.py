"""Persona expectations for the inspections pages and API (format: ``fangkong.core.tests.matrix``).

The world's office gets the inspections domain (as the demo's 社区发展办 does). Neighborhood A holds the
firm of the organisation whose contact is ``org_contact`` (not resumed), a second firm with a pending
application, and a likely-duplicate pair of the two."""

from __future__ import annotations

from types import SimpleNamespace

from fangkong.core.tests.matrix import ALLOWED, LOGIN, Case, answers


def build(w: SimpleNamespace) -> None:
    import datetime as dt

    from fangkong.core.scope import clear_scope_cache
    from fangkong.inspections.choices import ApplicationStatus, FirmStatus
    from fangkong.inspections.models import (
        Application,
        DuplicatePair,
        Firm,
        SupervisionCase,
        Visit,
        VisitPhoto,
    )
    from fangkong.registry.models import Organization

    w.office.domains = ["registry", "inspections"]
    w.office.save(update_fields=["domains"])
    clear_scope_cache(w.office)
    w.firm_a = Firm.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_a, organization=w.org_a, name_key="银康老年公寓", road="万安路"
    )
    org = Organization.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_a, name="上海银康科技有限公司", address="万安路1号"
    )
    w.firm_a2 = Firm.objects.create(
        subdistrict=w.sub,
        neighborhood=w.hood_a,
        organization=org,
        name_key="银康科技有限公司",
        status=FirmStatus.APPLIED,
    )
    w.application_a = Application.objects.create(
        subdistrict=w.sub,
        neighborhood=w.hood_a,
        firm=w.firm_a2,
        organization=org,
        planned_date=dt.date(2020, 2, 10),
        status=ApplicationStatus.PENDING,
        **{name: True for name in Application.CHECKLIST},
    )
    early = Organization.objects.create(subdistrict=w.sub, neighborhood=w.hood_a, name="上海提前开工有限公司")
    w.firm_early = Firm.objects.create(
        subdistrict=w.sub,
        neighborhood=w.hood_a,
        organization=early,
        name_key="提前开工有限公司",
        status="early",
    )
    w.case_a = SupervisionCase.objects.create(
        subdistrict=w.sub,
        neighborhood=w.hood_a,
        firm=w.firm_a2,
        reason="劝阻后仍开工",
        deadline=dt.date(2020, 2, 20),
        owner=w.hq,
    )
    w.visit_a = Visit.objects.create(
        subdistrict=w.sub,
        neighborhood=w.hood_a,
        firm=w.firm_a,
        day=dt.date(2020, 2, 8),
        client_token="visit-a",
    )
    w.photo_a = VisitPhoto.objects.create(
        subdistrict=w.sub,
        neighborhood=w.hood_a,
        visit=w.visit_a,
        place="gate",
        image=b"\xff\xd8",
        width=1,
        height=1,
    )
    from fangkong.inspections import services

    w.firm_link_token = services.issue_application_link(actor=w.hq, firm=w.firm_a)
    declaration = getattr(w, "declaration_a", None)
    if declaration is not None:  # the returnees world's declaration: its holder works for org A
        type(declaration).objects.filter(pk=declaration.pk).update(employer=w.org_a)
    from fangkong.registry.models import PatrolZone

    zone = PatrolZone.objects.create(subdistrict=w.sub, name="万安路以北")
    PatrolZone.objects.create(subdistrict=w.sub, name="万安路以南")
    w.patrol_team = services.set_up_patrol_team(actor=w.hq, zone=zone)
    w.patrol_round, _ = services.record_patrol_round(
        actor=w.hq, team=w.patrol_team, day=dt.date(2020, 2, 8), route="万安路", client_token="matrix-round"
    )
    w.pair_a = DuplicatePair.objects.create(
        subdistrict=w.sub, firm=w.firm_a, other=w.firm_a2, reason="名称和地址相同"
    )


READERS = dict(hq=200, staff_a=200, cadre=200, org_contact=200, office=200, viewer=200, auditor=200)
PATROL_READERS = dict(hq=200, staff_a=200, staff_b=200, cadre=200, office=200, viewer=200, auditor=200)
MANAGERS_GET = dict(hq=200, office=200, other_hq=200, anonymous=LOGIN)
MANAGERS_POST = dict(hq=ALLOWED, office=ALLOWED, anonymous=LOGIN)
POST_ONLY = answers(405, anonymous=LOGIN)

EXPECTATIONS = {
    "inspections:firm_list": Case(get=answers(200, anonymous=LOGIN)),
    "inspections:firm_new": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        data=lambda w: {"name": "上海现场发现有限公司", "address": "万安路8号", "neighborhood": w.hood_a.pk},
    ),
    "inspections:firm_detail": Case(
        kwargs=lambda w: {"pk": w.firm_a.pk}, get=answers(404, **READERS, anonymous=LOGIN)
    ),
    "inspections:firm_status": Case(
        kwargs=lambda w: {"pk": w.firm_a.pk},
        get=POST_ONLY,
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
        data=lambda w: {"to": "early", "reason": "巡查发现"},
    ),
    "inspections:firm_apply": Case(
        kwargs=lambda w: {"pk": w.firm_a.pk},
        get=answers(404, hq=200, staff_a=200, cadre=200, org_contact=200, office=200, anonymous=LOGIN),
        post=answers(
            404,
            hq=ALLOWED,
            staff_a=ALLOWED,
            cadre=ALLOWED,
            org_contact=ALLOWED,
            office=ALLOWED,
            anonymous=LOGIN,
        ),
    ),
    "inspections:firm_link": Case(
        kwargs=lambda w: {"pk": w.firm_a.pk}, get=POST_ONLY, post=answers(404, **MANAGERS_POST)
    ),
    "inspections:firm_staff": Case(
        kwargs=lambda w: {"pk": w.firm_a.pk},
        get=answers(404, hq=200, office=200, org_contact=200, anonymous=LOGIN),
    ),
    "inspections:public_apply": Case(
        kwargs=lambda w: {"token": w.firm_link_token},
        get=answers(200),
        post=answers(ALLOWED),
        data=lambda w: {
            "planned_date": "2020-02-10",
            "client_token": "matrix-public",
            **{name: "on" for name in ("prevention_plan", "health_register", "returnees_screened")},
            **{name: "on" for name in ("disinfection", "supplies", "no_large_meetings")},
        },
    ),
    "inspections:call_record": Case(
        kwargs=lambda w: {"pk": w.firm_a.pk},
        get=POST_ONLY,
        post=answers(404, **MANAGERS_POST),
        data=lambda w: {"outcome": "reached"},
    ),
    "inspections:application_list": Case(get=answers(404, **MANAGERS_GET)),
    "inspections:application_decide": Case(
        kwargs=lambda w: {"pk": w.application_a.pk},
        get=POST_ONLY,
        post=answers(404, **MANAGERS_POST),
        data=lambda w: {"decision": "approve"},
    ),
    "inspections:call_list": Case(get=answers(404, **MANAGERS_GET)),
    "inspections:duplicate_list": Case(get=answers(404, **MANAGERS_GET)),
    "inspections:duplicate_decide": Case(
        kwargs=lambda w: {"pk": w.pair_a.pk},
        get=POST_ONLY,
        post=answers(404, **MANAGERS_POST),
        data=lambda w: {"merge": "0"},
    ),
    "inspections:boundary": Case(
        get=answers(404, **MANAGERS_GET),
        post=answers(404, **MANAGERS_POST, other_hq=ALLOWED),
        data=lambda w: {"form": "remap"},
    ),
    "inspections:counts": Case(get=answers(200, org_contact=404, anonymous=LOGIN)),
    "inspections:firm_escalate": Case(
        kwargs=lambda w: {"pk": w.firm_early.pk},
        get=POST_ONLY,
        post=answers(404, **MANAGERS_POST),
        data=lambda w: {"owner": w.hq.pk, "deadline": "2099-01-01", "reason": "劝阻后仍开工"},
    ),
    "inspections:case_list": Case(get=answers(404, **MANAGERS_GET)),
    "inspections:case_detail": Case(
        kwargs=lambda w: {"pk": w.case_a.pk},
        get=answers(404, hq=200, office=200, anonymous=LOGIN),
        post=answers(404, **MANAGERS_POST),
        data=lambda w: {"form": "action", "text": "约谈负责人"},
    ),
    "inspections:export": Case(
        kwargs=lambda w: {"kind": "visits"}, get=answers(200, org_contact=404, anonymous=LOGIN)
    ),
    "inspections:patrol_list": Case(get=answers(200, org_contact=404, anonymous=LOGIN)),
    "inspections:patrol_team_new": Case(
        get=POST_ONLY,
        post=answers(404, hq=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN),
        data=lambda w: {"zone": w.patrol_team.zone_id},
    ),
    "inspections:patrol_team": Case(
        kwargs=lambda w: {"pk": w.patrol_team.pk},
        get=answers(404, **PATROL_READERS, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, anonymous=LOGIN),
        data=lambda w: {"form": "member", "department": "market", "name": "市场监管员"},
    ),
    "inspections:patrol_round_new": Case(
        get=answers(404, **MANAGERS_GET),
        post=answers(404, **MANAGERS_POST, other_hq=ALLOWED),
        data=lambda w: {
            "team": w.patrol_team.pk,
            "day": "2020-02-08",
            "route": "万安路",
            "client_token": "matrix-round-2",
            "f-TOTAL_FORMS": "3",
            "f-INITIAL_FORMS": "0",
        },
    ),
    "inspections:patrol_round": Case(
        kwargs=lambda w: {"pk": w.patrol_round.pk},
        get=answers(404, **PATROL_READERS, anonymous=LOGIN),
    ),
    "inspections:visit_list": Case(get=answers(200, org_contact=404, anonymous=LOGIN)),
    "inspections:visit_new": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
        data=lambda w: {"firm": w.firm_a.pk, "client_token": "matrix-visit"},
    ),
    "inspections:visit_detail": Case(
        kwargs=lambda w: {"pk": w.visit_a.pk},
        get=answers(
            404, hq=200, staff_a=200, cadre=200, office=200, viewer=200, auditor=200, anonymous=LOGIN
        ),
    ),
    "inspections:visit_step": Case(
        kwargs=lambda w: {"pk": w.visit_a.pk, "step": 5},
        get=answers(
            404, hq=200, staff_a=200, cadre=200, office=200, viewer=200, auditor=200, anonymous=LOGIN
        ),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
        data=lambda w: {"forms_handed": 3, "notices_posted": 1},
    ),
    "inspections:visit_photo": Case(
        kwargs=lambda w: {"pk": w.visit_a.pk, "photo_id": w.photo_a.pk},
        get=answers(
            404, hq=200, staff_a=200, cadre=200, office=200, viewer=200, auditor=200, anonymous=LOGIN
        ),
    ),
    "GET /api/v1/inspections/firms": Case(get=answers(200, anonymous=401)),
    "GET /api/v1/inspections/firms/{firm_id}": Case(
        kwargs=lambda w: {"firm_id": w.firm_a.pk}, get=answers(404, **READERS, anonymous=401)
    ),
    "GET /api/v1/inspections/firms/{firm_id}/staff": Case(
        kwargs=lambda w: {"firm_id": w.firm_a.pk},
        get=answers(404, hq=200, office=200, org_contact=200, anonymous=401),
    ),
    "GET /api/v1/inspections/visits": Case(get=answers(200, org_contact=404, anonymous=401)),
    "GET /api/v1/inspections/visits/{visit_id}": Case(
        kwargs=lambda w: {"visit_id": w.visit_a.pk},
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, viewer=200, auditor=200, anonymous=401),
    ),
    "GET /api/v1/inspections/cases": Case(get=answers(404, hq=200, office=200, other_hq=200, anonymous=401)),
    "GET /api/v1/inspections/counts": Case(get=answers(200, org_contact=404, anonymous=401)),
    "GET /api/v1/inspections/calls": Case(get=answers(404, hq=200, office=200, other_hq=200, anonymous=401)),
}

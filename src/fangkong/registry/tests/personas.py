"""Persona expectations for the registry pages and API (format: ``fangkong.core.tests.matrix``).

Every object the rows point at lies in neighborhood A (or is sub-district-wide in 江湾), so staff of B and
the HQ of the other sub-district answer 404 wherever scope is by neighborhood or sub-district. Add pages
answer as ``registry.access.may_add``: staff and cadres cannot create a record with no neighborhood of theirs
(a neighborhood, an office, a patrol zone, a support cadre), organisation contacts create nothing here.
"""

from __future__ import annotations

from types import SimpleNamespace

from fangkong.core.testing import make_id_number
from fangkong.core.tests.matrix import ALLOWED, LOGIN, Case, answers


def build(w: SimpleNamespace) -> None:
    from fangkong.registry.models import (
        CommitteeStaff,
        Office,
        PartyBranch,
        PatrolZone,
        Premises,
        SupportCadre,
        Volunteer,
    )

    w.zone = PatrolZone.objects.create(subdistrict=w.sub, name="一片区")
    w.premises_a = Premises.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_a, name="安汾商务楼", kind="office_tower"
    )
    w.branch_a = PartyBranch.objects.create(subdistrict=w.sub, neighborhood=w.hood_a, name="安汾第一支部")
    w.office_row = Office.objects.create(subdistrict=w.sub, name="社区管理办", domains=["registry"])
    w.support_cadre = SupportCadre.objects.create(
        subdistrict=w.sub, name="张老师", department=w.dept, user=w.cadre
    )
    w.committee_staff_a = CommitteeStaff.objects.create(
        subdistrict=w.sub, neighborhood=w.hood_a, name="王社工", user=w.staff_a
    )
    w.volunteer_a = Volunteer.objects.create(subdistrict=w.sub, neighborhood=w.hood_a, name="志愿者甲")


_OBJECTS = {
    "neighborhoods": "hood_a",
    "compounds": "compound_a",
    "buildings": "building_a",
    "households": "household_a",
    "residents": "resident_a",
    "premises": "premises_a",
    "organizations": "org_a",
    "patrol-zones": "zone",
    "branches": "branch_a",
    "offices": "office_row",
    "cadres": "support_cadre",
    "staff": "committee_staff_a",
    "volunteers": "volunteer_a",
}


def _pk(attr: str):  # type: ignore[no-untyped-def]
    return lambda w: {"pk": getattr(w, attr).pk}


EXPECTATIONS: dict[str, Case] = {
    "registry:duplicates": Case(
        get=answers(404, hq=200, other_hq=200, anonymous=LOGIN),
        post=answers(404, anonymous=LOGIN),  # no resident named: nothing to resolve
    ),
    "registry:neighborhoods_list": Case(
        get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)
    ),
    "registry:neighborhoods_add": Case(
        get=answers(
            200,
            staff_a=404,
            staff_b=404,
            cadre=404,
            org_contact=404,
            viewer=404,
            auditor=404,
            anonymous=LOGIN,
        ),
        post=answers(
            ALLOWED,
            staff_a=404,
            staff_b=404,
            cadre=404,
            org_contact=404,
            viewer=404,
            auditor=404,
            anonymous=LOGIN,
        ),
    ),
    "registry:neighborhoods_detail": Case(
        kwargs=_pk("hood_a"),
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:neighborhoods_edit": Case(
        kwargs=_pk("hood_a"),
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:compounds_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:compounds_add": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "registry:compounds_detail": Case(
        kwargs=_pk("compound_a"),
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:compounds_edit": Case(
        kwargs=_pk("compound_a"),
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:buildings_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:buildings_add": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "registry:buildings_detail": Case(
        kwargs=_pk("building_a"),
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:buildings_edit": Case(
        kwargs=_pk("building_a"),
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:households_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:households_add": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "registry:households_detail": Case(
        kwargs=_pk("household_a"),
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:households_edit": Case(
        kwargs=_pk("household_a"),
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:residents_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:residents_add": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "registry:residents_detail": Case(
        kwargs=_pk("resident_a"),
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:residents_edit": Case(
        kwargs=_pk("resident_a"),
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:premises_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:premises_add": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "registry:premises_detail": Case(
        kwargs=_pk("premises_a"),
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:premises_edit": Case(
        kwargs=_pk("premises_a"),
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:organizations_list": Case(
        get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)
    ),
    "registry:organizations_add": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "registry:organizations_detail": Case(
        kwargs=_pk("org_a"),
        get=answers(200, staff_b=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:organizations_edit": Case(
        kwargs=_pk("org_a"),
        get=answers(200, staff_b=404, viewer=404, auditor=404, other_hq=404, anonymous=LOGIN),
        post=answers(ALLOWED, staff_b=404, viewer=404, auditor=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:patrol-zones_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:patrol-zones_add": Case(
        get=answers(
            200,
            staff_a=404,
            staff_b=404,
            cadre=404,
            org_contact=404,
            viewer=404,
            auditor=404,
            anonymous=LOGIN,
        ),
        post=answers(
            ALLOWED,
            staff_a=404,
            staff_b=404,
            cadre=404,
            org_contact=404,
            viewer=404,
            auditor=404,
            anonymous=LOGIN,
        ),
    ),
    "registry:patrol-zones_detail": Case(
        kwargs=_pk("zone"),
        get=answers(200, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:patrol-zones_edit": Case(
        kwargs=_pk("zone"),
        get=answers(404, hq=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:branches_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:branches_add": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "registry:branches_detail": Case(
        kwargs=_pk("branch_a"),
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:branches_edit": Case(
        kwargs=_pk("branch_a"),
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:offices_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:offices_add": Case(
        get=answers(
            200,
            staff_a=404,
            staff_b=404,
            cadre=404,
            org_contact=404,
            viewer=404,
            auditor=404,
            anonymous=LOGIN,
        ),
        post=answers(
            ALLOWED,
            staff_a=404,
            staff_b=404,
            cadre=404,
            org_contact=404,
            viewer=404,
            auditor=404,
            anonymous=LOGIN,
        ),
    ),
    "registry:offices_detail": Case(
        kwargs=_pk("office_row"),
        get=answers(200, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:offices_edit": Case(
        kwargs=_pk("office_row"),
        get=answers(404, hq=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:cadres_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:cadres_add": Case(
        get=answers(
            200,
            staff_a=404,
            staff_b=404,
            cadre=404,
            org_contact=404,
            viewer=404,
            auditor=404,
            anonymous=LOGIN,
        ),
        post=answers(
            ALLOWED,
            staff_a=404,
            staff_b=404,
            cadre=404,
            org_contact=404,
            viewer=404,
            auditor=404,
            anonymous=LOGIN,
        ),
    ),
    "registry:cadres_detail": Case(
        kwargs=_pk("support_cadre"),
        get=answers(200, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:cadres_edit": Case(
        kwargs=_pk("support_cadre"),
        get=answers(404, hq=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:staff_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:staff_add": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "registry:staff_detail": Case(
        kwargs=_pk("committee_staff_a"),
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:staff_edit": Case(
        kwargs=_pk("committee_staff_a"),
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "registry:volunteers_list": Case(get=answers(200, anonymous=LOGIN), post=answers(303, anonymous=LOGIN)),
    "registry:volunteers_add": Case(
        get=answers(200, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "registry:volunteers_detail": Case(
        kwargs=_pk("volunteer_a"),
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "registry:volunteers_edit": Case(
        kwargs=_pk("volunteer_a"),
        get=answers(404, hq=200, staff_a=200, cadre=200, office=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=LOGIN),
    ),
    "GET /api/v1/registry/neighborhoods": Case(get=answers(200, anonymous=401)),
    "GET /api/v1/registry/buildings": Case(get=answers(200, anonymous=401)),
    "GET /api/v1/registry/households": Case(get=answers(200, anonymous=401)),
    "POST /api/v1/registry/households": Case(
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=401),
        data=lambda w: {"building": w.building_a.pk, "room": "909"},
    ),
    "GET /api/v1/registry/households/{household_id}": Case(
        kwargs=lambda w: {"household_id": w.household_a.pk},
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=401),
    ),
    "GET /api/v1/registry/households/{household_id}/residents": Case(
        kwargs=lambda w: {"household_id": w.household_a.pk},
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=401),
    ),
    "POST /api/v1/registry/households/{household_id}/residents": Case(
        kwargs=lambda w: {"household_id": w.household_a.pk},
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, office=ALLOWED, anonymous=401),
        data=lambda w: {"name": "李四", "id_number": make_id_number(), "relation": "other"},
    ),
    "GET /api/v1/registry/residents/{resident_id}": Case(
        kwargs=lambda w: {"resident_id": w.resident_a.pk},
        get=answers(200, staff_b=404, org_contact=404, other_hq=404, anonymous=401),
    ),
    "GET /api/v1/registry/organizations": Case(get=answers(200, anonymous=401)),
    "GET /api/v1/registry/organizations/{organization_id}": Case(
        kwargs=lambda w: {"organization_id": w.org_a.pk},
        get=answers(200, staff_b=404, other_hq=404, anonymous=401),
    ),
}

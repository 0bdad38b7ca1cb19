"""Registry API: read the registry within the caller's scope; add households and residents through the same
services as the web. Personal values are returned masked only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import ModelSchema, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from fangkong.api.answers import CONFLICT
from fangkong.api.pagination import LimitOffset
from fangkong.core.errors import api_text
from fangkong.core.exceptions import ScopeError
from fangkong.core.validators import check_document, validate_mobile
from fangkong.registry import access
from fangkong.registry import models as m
from fangkong.registry.services import add_resident, create_household

router = Router()


class NeighborhoodOut(ModelSchema):
    class Meta:
        model = m.Neighborhood
        fields = ["id", "name", "code", "committee_address", "committee_phone", "subdistrict"]


class BuildingOut(ModelSchema):
    class Meta:
        model = m.Building
        fields = ["id", "name", "compound", "neighborhood", "floors"]


class HouseholdOut(ModelSchema):
    class Meta:
        model = m.Household
        fields = ["id", "address", "room", "building", "neighborhood", "note", "version"]


class ResidentOut(ModelSchema):
    class Meta:
        model = m.Resident
        fields = [
            "id",
            "name",
            "household",
            "neighborhood",
            "doc_type",
            "id_number_masked",
            "phone_masked",
            "gender",
            "relation",
            "is_party_member",
        ]


class OrganizationOut(ModelSchema):
    class Meta:
        model = m.Organization
        fields = [
            "id",
            "name",
            "kind",
            "credit_code",
            "industry",
            "address",
            "neighborhood",
            "premises",
            "patrol_zone",
            "contact_name",
            "contact_phone_masked",
            "employees",
        ]


class HouseholdIn(Schema):
    building: int
    room: str
    note: str = ""


class ResidentIn(Schema):
    name: str
    doc_type: str = "resident_id"
    id_number: str
    phone: str = ""
    relation: str = "head"


@router.get("/neighborhoods", response=list[NeighborhoodOut])
@paginate(LimitOffset)
def list_neighborhoods(request: HttpRequest) -> Any:
    return m.Neighborhood.objects.visible_to(request.user).order_by("code", "pk")


@router.get("/buildings", response=list[BuildingOut])
@paginate(LimitOffset)
def list_buildings(request: HttpRequest, neighborhood: int | None = None) -> Any:
    qs = m.Building.objects.visible_to(request.user).order_by("pk")
    return qs.filter(neighborhood_id=neighborhood) if neighborhood else qs


@router.get("/households", response=list[HouseholdOut])
@paginate(LimitOffset)
def list_households(request: HttpRequest, neighborhood: int | None = None) -> Any:
    qs = m.Household.objects.visible_to(request.user).order_by("pk")
    return qs.filter(neighborhood_id=neighborhood) if neighborhood else qs


@router.get("/households/{household_id}", response=HouseholdOut)
def get_household(request: HttpRequest, household_id: int) -> Any:
    return get_object_or_404(m.Household.objects.visible_to(request.user), pk=household_id)


@router.get("/households/{household_id}/residents", response=list[ResidentOut])
def household_residents(request: HttpRequest, household_id: int) -> Any:
    household = get_object_or_404(m.Household.objects.visible_to(request.user), pk=household_id)
    return m.Resident.objects.visible_to(request.user).filter(household=household).order_by("pk")


@router.post("/households", response={201: HouseholdOut})
def post_household(request: HttpRequest, payload: HouseholdIn) -> Any:
    building = get_object_or_404(m.Building.objects.editable_by(request.user), pk=payload.building)
    if not access.may_add_household(request.user, building):
        raise HttpError(404, "Not Found")
    try:
        return Status(
            201,
            create_household(
                actor=request.user, building=building, room=payload.room.strip(), note=payload.note
            ),
        )
    except ScopeError:
        raise HttpError(404, "Not Found")
    except ValidationError as exc:
        raise HttpError(422, api_text(exc))


@router.post("/households/{household_id}/residents", response={201: ResidentOut}, openapi_extra=CONFLICT)
def post_resident(request: HttpRequest, household_id: int, payload: ResidentIn) -> Any:
    household = get_object_or_404(m.Household.objects.editable_by(request.user), pk=household_id)
    if not access.may_add_resident(request.user, household):
        raise HttpError(404, "Not Found")
    try:
        check = check_document(payload.doc_type, payload.id_number)
        phone = validate_mobile(payload.phone) if payload.phone else ""
        resident = add_resident(
            actor=request.user,
            household=household,
            name=payload.name.strip(),
            id_number=check.value,
            phone=phone,
            doc_type=payload.doc_type,
            relation=payload.relation,
            birth_date=check.birth_date,
            gender=check.gender,
        )
    except ScopeError:
        raise HttpError(404, "Not Found")
    except ValidationError as exc:
        raise HttpError(422, api_text(exc))
    except IntegrityError as exc:  # a concurrent save got there first
        if "one_head" in str(exc) or "relation" in str(exc):
            raise HttpError(409, str(m.HEAD_TAKEN))
        raise HttpError(409, "该证件号码已登记。")
    return Status(201, resident)


@router.get("/residents/{resident_id}", response=ResidentOut)
def get_resident(request: HttpRequest, resident_id: int) -> Any:
    return get_object_or_404(m.Resident.objects.visible_to(request.user), pk=resident_id)


@router.get("/organizations", response=list[OrganizationOut])
@paginate(LimitOffset)
def list_organizations(request: HttpRequest, kind: str | None = None) -> Any:
    qs = m.Organization.objects.visible_to(request.user).order_by("pk")
    return qs.filter(kind=kind) if kind else qs


@router.get("/organizations/{organization_id}", response=OrganizationOut)
def get_organization(request: HttpRequest, organization_id: int) -> Any:
    return get_object_or_404(m.Organization.objects.visible_to(request.user), pk=organization_id)

"""Registry pages: one ObjectType per model drives its list, detail, create and edit pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.exceptions import ScopeError
from fangkong.core.generic import Child, ObjectType
from fangkong.registry import access
from fangkong.registry import forms as f
from fangkong.registry import models as m
from fangkong.registry.panels import household_panels
from fangkong.registry.services import resolve_duplicate, save_record

NEIGHBORHOODS = ObjectType(
    model=m.Neighborhood,
    slug="neighborhoods",
    form_class=f.NeighborhoodForm,
    columns=[
        ("code", _("编号")),
        ("name", _("名称")),
        ("committee_address", _("居委会地址")),
        ("committee_phone", _("电话")),
    ],
    search_fields=["name", "code"],
    children=[
        Child(
            pgettext_lazy("plural", "小区"),
            "compounds",
            [("name", _("名称")), ("address", _("地址"))],
            link_slug="compounds",
        ),
        Child(
            pgettext_lazy("plural", "社区工作者"),
            "staff",
            [("name", _("姓名")), ("position", _("职务")), ("phone_masked", _("手机"))],
            link_slug="staff",
        ),
    ],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
)
COMPOUNDS = ObjectType(
    model=m.Compound,
    slug="compounds",
    form_class=f.CompoundForm,
    columns=[
        ("name", _("名称")),
        ("neighborhood", _("居民区")),
        ("address", _("地址")),
        ("patrol_zone", _("巡查片区")),
    ],
    search_fields=["name", "address"],
    filter_fields=["neighborhood", "patrol_zone"],
    select_related=["neighborhood", "patrol_zone"],
    children=[
        Child(
            pgettext_lazy("plural", "楼栋"),
            "buildings",
            [("name", _("楼号")), ("floors", _("层数"))],
            link_slug="buildings",
        )
    ],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
)
BUILDINGS = ObjectType(
    model=m.Building,
    slug="buildings",
    form_class=f.BuildingForm,
    columns=[
        ("compound", _("小区")),
        ("name", _("楼号")),
        ("neighborhood", _("居民区")),
        ("floors", _("层数")),
    ],
    search_fields=["name", "compound__name"],
    filter_fields=["neighborhood"],
    select_related=["compound", "neighborhood"],
    children=[
        Child(
            pgettext_lazy("plural", "住户"),
            "households",
            [("room", _("室号")), ("address", _("地址"))],
            link_slug="households",
        )
    ],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
)
HOUSEHOLDS = ObjectType(
    model=m.Household,
    slug="households",
    form_class=f.HouseholdForm,
    columns=[("address", _("地址")), ("neighborhood", _("居民区")), ("room", _("室号"))],
    search_fields=["address", "room"],
    filter_fields=["neighborhood"],
    select_related=["neighborhood", "building"],
    children=[
        Child(
            pgettext_lazy("plural", "居民"),
            "residents",
            [
                ("name", _("姓名")),
                ("relation", _("与户主关系")),
                ("id_number_masked", _("证件号码")),
                ("phone_masked", _("手机号码")),
                ("is_party_member", _("党员")),
            ],
            link_slug="residents",
            may_add=access.may_add_resident,
            add_param="household",
        )
    ],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
    io_slug="households",
    panels=household_panels,
)
RESIDENTS = ObjectType(
    model=m.Resident,
    slug="residents",
    form_class=f.ResidentForm,
    columns=[
        ("name", _("姓名")),
        ("household", _("住户")),
        ("id_number_masked", _("证件号码")),
        ("phone_masked", _("手机号码")),
        ("is_party_member", _("党员")),
    ],
    detail_fields=[
        ("name", _("姓名")),
        ("household", _("住户")),
        ("neighborhood", _("居民区")),
        ("doc_type", _("证件类型")),
        ("gender", _("性别")),
        ("birth_date", _("出生日期")),
        ("relation", _("与户主关系")),
        ("is_party_member", _("党员")),
        ("party_branch", _("所在党组织")),
        ("note", _("备注")),
    ],
    search_fields=["name", "household__address"],
    filter_fields=["neighborhood", "is_party_member"],
    select_related=["household", "neighborhood", "party_branch"],
    personal_fields=["id_number", "phone"],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
    io_slug="households",
)
PREMISES = ObjectType(
    model=m.Premises,
    slug="premises",
    form_class=f.PremisesForm,
    columns=[
        ("name", _("名称")),
        ("kind", _("类型")),
        ("address", _("地址")),
        ("patrol_zone", _("巡查片区")),
    ],
    search_fields=["name", "address"],
    filter_fields=["kind", "patrol_zone", "neighborhood"],
    select_related=["patrol_zone", "neighborhood"],
    children=[
        Child(
            pgettext_lazy("plural", "单位"),
            "organizations",
            [("name", _("名称")), ("kind", _("类型"))],
            link_slug="organizations",
        )
    ],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
)
ORGANIZATIONS = ObjectType(
    model=m.Organization,
    slug="organizations",
    form_class=f.OrganizationForm,
    columns=[
        ("name", _("名称")),
        ("kind", _("类型")),
        ("credit_code", _("统一社会信用代码")),
        ("premises", _("楼宇园区")),
        ("contact_phone_masked", _("联系电话")),
    ],
    search_fields=["name", "credit_code", "address", "industry"],
    filter_fields=["kind", "neighborhood", "premises", "patrol_zone"],
    select_related=["premises", "neighborhood", "patrol_zone"],
    personal_fields=["contact_phone"],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
    io_slug="organizations",
)
PATROL_ZONES = ObjectType(
    model=m.PatrolZone,
    slug="patrol-zones",
    form_class=f.PatrolZoneForm,
    columns=[("name", _("名称")), ("description", _("范围说明"))],
    search_fields=["name"],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
)
BRANCHES = ObjectType(
    model=m.PartyBranch,
    slug="branches",
    form_class=f.PartyBranchForm,
    columns=[
        ("name", _("名称")),
        ("kind", _("类型")),
        ("is_temporary", _("临时支部")),
        ("secretary", _("书记")),
    ],
    search_fields=["name", "secretary"],
    filter_fields=["kind", "is_temporary"],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
)
OFFICES = ObjectType(
    model=m.Office,
    slug="offices",
    form_class=f.OfficeForm,
    columns=[("name", _("名称"))],
    search_fields=["name"],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
)
CADRES = ObjectType(
    model=m.SupportCadre,
    slug="cadres",
    form_class=f.SupportCadreForm,
    columns=[
        ("name", _("姓名")),
        ("department", _("条线部门")),
        ("phone_masked", _("手机号码")),
        ("home_neighborhood", _("居住居民区")),
        ("is_party_member", _("党员")),
    ],
    search_fields=["name", "department__name", "skills"],
    filter_fields=["department", "is_party_member", "active"],
    select_related=["department", "home_neighborhood"],
    personal_fields=["phone"],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
    io_slug="cadres",
)
STAFF = ObjectType(
    model=m.CommitteeStaff,
    slug="staff",
    form_class=f.CommitteeStaffForm,
    columns=[
        ("name", _("姓名")),
        ("neighborhood", _("居民区")),
        ("position", _("职务")),
        ("phone_masked", _("手机号码")),
        ("is_party_member", _("党员")),
    ],
    search_fields=["name", "position"],
    filter_fields=["neighborhood", "is_party_member"],
    select_related=["neighborhood"],
    personal_fields=["phone"],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
)
VOLUNTEERS = ObjectType(
    model=m.Volunteer,
    slug="volunteers",
    form_class=f.VolunteerForm,
    columns=[
        ("name", _("姓名")),
        ("neighborhood", _("居民区")),
        ("phone_masked", _("手机号码")),
        ("skills", _("技能")),
        ("is_party_member", _("党员")),
    ],
    search_fields=["name", "skills"],
    filter_fields=["neighborhood", "is_party_member", "active"],
    select_related=["neighborhood"],
    personal_fields=["phone"],
    save=save_record,
    may_create=access.may_add,
    may_edit=access.may_edit,
    io_slug="volunteers",
)

OBJECT_TYPES = [
    NEIGHBORHOODS,
    COMPOUNDS,
    BUILDINGS,
    HOUSEHOLDS,
    RESIDENTS,
    PREMISES,
    ORGANIZATIONS,
    PATROL_ZONES,
    BRANCHES,
    OFFICES,
    CADRES,
    STAFF,
    VOLUNTEERS,
]


@login_required
def duplicates(request: HttpRequest) -> HttpResponse:
    """HQ's list of residents whose ID number is also registered outside the scope of whoever entered them
    (a resident who moved in, or a mistake); HQ removes the wrong registration here."""
    user: Any = request.user
    if not access.may_resolve_duplicates(user):
        raise Http404
    residents = m.Resident.objects.visible_to(user).filter(id_duplicate=True)
    if request.method == "POST":
        pk = request.POST.get("resident", "")
        resident = get_object_or_404(residents, pk=int(pk) if pk.isdigit() else -1)
        try:
            resolve_duplicate(actor=user, resident=resident)
        except (ValidationError, ScopeError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("已删除重复登记：%(name)s") % {"name": resident.name})
        return redirect("registry:duplicates")
    rows = residents.select_related("household", "neighborhood").order_by("-created_at")[:500]
    return render(request, "registry/duplicates.html", {"rows": rows})

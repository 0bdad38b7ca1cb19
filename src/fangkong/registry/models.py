"""The registry (台账): places, organisations and people. Personal values are stored as ciphertext, a keyed
hash and a masked form (see core.crypto); pages show the masked form."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.choices import DocumentType
from fangkong.core.models import ScopedModel, TimeStampedModel, personal_fields
from fangkong.core.querysets import ScopedManager
from fangkong.registry.choices import (
    BranchKind,
    DepartmentKind,
    Gender,
    OrganizationKind,
    PremisesKind,
    Relation,
)


class District(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.CharField(_("行政区划代码"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = pgettext_lazy("plural", "区")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SubDistrict(TimeStampedModel):
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="subdistricts", verbose_name=_("区")
    )
    name = models.CharField(_("名称"), max_length=50)
    code = models.CharField(_("代码"), max_length=12, blank=True)

    scope_domain: ClassVar[str] = "registry"
    scope_subdistrict_field: ClassVar[str] = "pk"
    scope_neighborhood_field: ClassVar[str | None] = None
    scope_organization_field: ClassVar[str | None] = None
    scope_shared: ClassVar[bool] = True

    objects = ScopedManager()

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = pgettext_lazy("plural", "街道")
        ordering = ["district", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="subdistrict_unique_name")]

    def __str__(self) -> str:
        return self.name


class LineDepartment(TimeStampedModel):
    """A cadre's home office (条), e.g. the district education system."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="departments", verbose_name=_("区")
    )
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(
        _("系统"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.OTHER
    )

    class Meta:
        verbose_name = _("条线部门")
        verbose_name_plural = pgettext_lazy("plural", "条线部门")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Office(ScopedModel):
    """A functional office (职能科室) of the sub-district."""

    name = models.CharField(_("名称"), max_length=50)
    domains = models.JSONField(_("负责领域"), default=list, blank=True)

    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("职能科室")
        verbose_name_plural = pgettext_lazy("plural", "职能科室")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Neighborhood(ScopedModel):
    name = models.CharField(_("名称"), max_length=50)
    code = models.CharField(_("编号"), max_length=20, blank=True)
    committee_address = models.CharField(_("居委会地址"), max_length=200, blank=True)
    committee_phone = models.CharField(_("居委会电话"), max_length=20, blank=True)

    scope_neighborhood_field = "pk"

    class Meta:
        verbose_name = _("居民区")
        verbose_name_plural = pgettext_lazy("plural", "居民区")
        ordering = ["subdistrict", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "name"], name="neighborhood_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PatrolZone(ScopedModel):
    name = models.CharField(_("名称"), max_length=50)
    description = models.CharField(_("范围说明"), max_length=200, blank=True)

    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("巡查片区")
        verbose_name_plural = pgettext_lazy("plural", "巡查片区")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Compound(ScopedModel):
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.PROTECT, related_name="compounds", verbose_name=_("居民区")
    )
    name = models.CharField(_("名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    patrol_zone = models.ForeignKey(
        PatrolZone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="compounds",
        verbose_name=_("巡查片区"),
    )

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = pgettext_lazy("plural", "小区")
        ordering = ["neighborhood", "name"]
        constraints = [models.UniqueConstraint(fields=["neighborhood", "name"], name="compound_unique_name")]

    def __str__(self) -> str:
        return self.name


class Building(ScopedModel):
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("居民区")
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("小区")
    )
    name = models.CharField(_("楼号"), max_length=40)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = pgettext_lazy("plural", "楼栋")
        ordering = ["compound", "name"]
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="building_unique_name")]

    def __str__(self) -> str:
        return self.name


class Household(ScopedModel):
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.PROTECT, related_name="households", verbose_name=_("居民区")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="households", verbose_name=_("楼栋")
    )
    room = models.CharField(_("室号"), max_length=20)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = pgettext_lazy("plural", "住户")
        ordering = ["building", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "room"],
                name="household_unique_room",
                violation_error_message=_("该楼栋已有这个室号。"),
            )
        ]

    def __str__(self) -> str:
        return self.address or self.room


class PartyBranch(ScopedModel):
    neighborhood = models.ForeignKey(
        Neighborhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("居民区"),
    )
    organization = models.ForeignKey(
        "Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("所属单位"),
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=BranchKind.choices, default=BranchKind.BRANCH)
    is_temporary = models.BooleanField(_("临时支部"), default=False)
    secretary = models.CharField(_("书记"), max_length=50, blank=True)

    scope_shared = True

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = pgettext_lazy("plural", "党组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Premises(ScopedModel):
    neighborhood = models.ForeignKey(
        Neighborhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="premises",
        verbose_name=_("居民区"),
    )
    patrol_zone = models.ForeignKey(
        PatrolZone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="premises",
        verbose_name=_("巡查片区"),
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=PremisesKind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    scope_shared = True

    class Meta:
        verbose_name = _("楼宇园区")
        verbose_name_plural = pgettext_lazy("plural", "楼宇园区")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organization(ScopedModel):
    neighborhood = models.ForeignKey(
        Neighborhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("居民区"),
    )
    premises = models.ForeignKey(
        Premises,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("所在楼宇园区"),
    )
    patrol_zone = models.ForeignKey(
        PatrolZone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("巡查片区"),
    )
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(
        _("类型"), max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.ENTERPRISE
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    industry = models.CharField(_("行业"), max_length=60, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone_enc, contact_phone_hash, contact_phone_masked = personal_fields(_("联系电话"), kind="phone")
    employees = models.PositiveIntegerField(_("员工数"), null=True, blank=True)

    scope_shared = True
    scope_organization_field = "pk"

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = pgettext_lazy("plural", "单位")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "credit_code"],
                condition=~Q(credit_code=""),
                name="organization_unique_credit_code",
                violation_error_message=_("该统一社会信用代码已登记。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


HEAD_TAKEN = _("该住户已有户主，一户只能有一位户主；请先把原户主改为其他关系。")


class Resident(ScopedModel):
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.PROTECT, related_name="residents", verbose_name=_("居民区")
    )
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="residents", verbose_name=_("住户")
    )
    name = models.CharField(_("姓名"), max_length=50)
    doc_type = models.CharField(
        _("证件类型"), max_length=20, choices=DocumentType.choices, default=DocumentType.RESIDENT_ID
    )
    id_number_enc, id_number_hash, id_number_masked = personal_fields(_("证件号码"), kind="id_number")
    phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone")
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    relation = models.CharField(
        _("与户主关系"), max_length=10, choices=Relation.choices, default=Relation.HEAD
    )
    is_party_member = models.BooleanField(_("党员"), default=False)
    party_branch = models.ForeignKey(
        PartyBranch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在党组织"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # Set when the ID number is already registered outside the scope of whoever entered this one (a resident
    # who moved in, or a mistake): the user is told nothing (the answer is that of an unknown ID), and HQ
    # resolves it (registry:duplicates). Not in the audit snapshot: its own event is for HQ only.
    id_duplicate = models.BooleanField(_("证件号码待核"), default=False, db_default=False, editable=False)

    audit_exclude = ("id_duplicate",)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = pgettext_lazy("plural", "居民")
        ordering = ["household", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~Q(id_number_hash="") & Q(id_duplicate=False),
                name="resident_unique_id_number",
                violation_error_message=_("该证件号码已登记。"),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation=Relation.HEAD),
                name="resident_one_head_per_household",
                violation_error_message=HEAD_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SupportCadre(ScopedModel):
    """A support cadre (下沉干部) sent down by the district."""

    name = models.CharField(_("姓名"), max_length=50)
    department = models.ForeignKey(
        LineDepartment, on_delete=models.PROTECT, related_name="cadres", verbose_name=_("条线部门")
    )
    phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone")
    home_neighborhood = models.ForeignKey(
        Neighborhood,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居住居民区"),
    )
    is_party_member = models.BooleanField(_("党员"), default=True)
    party_branch = models.ForeignKey(
        PartyBranch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadres",
        verbose_name=_("所在党组织"),
    )
    skills = models.CharField(_("技能"), max_length=200, blank=True)
    user = models.OneToOneField(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadre",
        verbose_name=_("账号"),
    )
    active = models.BooleanField(_("在岗"), default=True)

    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("下沉干部")
        verbose_name_plural = pgettext_lazy("plural", "下沉干部")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "phone_hash"],
                condition=~Q(phone_hash=""),
                name="cadre_unique_phone",
                violation_error_message=_("该手机号码已登记为下沉干部。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class CommitteeStaff(ScopedModel):
    """A worker of a neighborhood committee (社区工作者)."""

    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.PROTECT, related_name="staff", verbose_name=_("居民区")
    )
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone")
    is_party_member = models.BooleanField(_("党员"), default=False)
    party_branch = models.ForeignKey(
        PartyBranch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在党组织"),
    )
    user = models.OneToOneField(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_profile",
        verbose_name=_("账号"),
    )

    class Meta:
        verbose_name = _("社区工作者")
        verbose_name_plural = pgettext_lazy("plural", "社区工作者")
        ordering = ["neighborhood", "name"]

    def __str__(self) -> str:
        return self.name


class Volunteer(ScopedModel):
    neighborhood = models.ForeignKey(
        Neighborhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteers",
        verbose_name=_("居民区"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone")
    skills = models.CharField(_("技能"), max_length=200, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=200, blank=True)
    is_party_member = models.BooleanField(_("党员"), default=False)
    party_branch = models.ForeignKey(
        PartyBranch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在党组织"),
    )
    active = models.BooleanField(_("在册"), default=True)

    scope_shared = True

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = pgettext_lazy("plural", "志愿者")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "phone_hash"],
                condition=~Q(phone_hash=""),
                name="volunteer_unique_phone",
                violation_error_message=_("该手机号码已登记为志愿者。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

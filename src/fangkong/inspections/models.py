"""Premises and firm inspection (楼宇园区排摸): the census firm list on top of the registry's organisations,
the zone boundary as data, resumption control (exempt categories, applications, the status and its
transitions), the daily call list and duplicate review.

A firm is a ``registry.Organization``; ``Firm`` is its inspections-side row (status, census source, industry
code, parsed address). Firms are scoped by their neighborhood (committee staff see their neighborhoods' firms;
the office and HQ the whole sub-district) and by their organisation (its contact sees only that firm)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.choices import Domain
from fangkong.core.models import ScopedModel
from fangkong.inspections.choices import (
    ApplicationChannel,
    ApplicationStatus,
    CallOutcome,
    CaseOutcome,
    Department,
    DuplicateState,
    ExemptKind,
    FindingKind,
    FirmSource,
    FirmStatus,
    Parity,
    Signature,
    VisitPlace,
    VisitState,
)


class InspectionsModel(ScopedModel):
    scope_domain: ClassVar[str] = Domain.INSPECTIONS

    class Meta:
        abstract = True


class ZoneRule(InspectionsModel):
    """One row of a sub-district's patrol boundary: addresses on ``road`` whose house number lies in
    [from_number, to_number] (either end open) on the given side (odd, even or both) belong to ``zone``.
    The narrowest matching range wins, so a whole-road row and a few exceptions read naturally."""

    road = models.CharField(_("道路"), max_length=40)
    from_number = models.PositiveIntegerField(_("起始门牌号"), null=True, blank=True)
    to_number = models.PositiveIntegerField(_("终止门牌号"), null=True, blank=True)
    parity = models.CharField(_("单双号"), max_length=4, choices=Parity.choices, default=Parity.ALL)
    zone = models.ForeignKey(
        "registry.PatrolZone", on_delete=models.CASCADE, related_name="+", verbose_name=_("巡查片区")
    )
    note = models.CharField(_("说明"), max_length=100, blank=True)

    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("片区划分规则")
        verbose_name_plural = _("片区划分规则")
        ordering = ["road", "from_number", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_number__isnull=True)
                | Q(to_number__isnull=True)
                | Q(to_number__gte=models.F("from_number")),
                name="zonerule_range_order",
                violation_error_message=_("终止门牌号不能小于起始门牌号。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.road} {self.from_number or ''}–{self.to_number or ''}"


class ExemptCategory(InspectionsModel):
    """An exempt category (may resume before the earliest resumption time) and the GB/T 4754 industry code
    prefixes it covers, comma separated (e.g. "F52,H62" or "C27")."""

    kind = models.CharField(_("类别"), max_length=20, choices=ExemptKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    industry_prefixes = models.CharField(_("行业代码前缀"), max_length=300)

    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("豁免类别")
        verbose_name_plural = _("豁免类别")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefixes(self) -> list[str]:
        return [p.strip().upper() for p in self.industry_prefixes.replace("，", ",").split(",") if p.strip()]


class Firm(InspectionsModel):
    organization = models.OneToOneField(
        "registry.Organization", on_delete=models.PROTECT, related_name="firm", verbose_name=_("单位")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    source = models.CharField(_("来源"), max_length=10, choices=FirmSource.choices, default=FirmSource.CENSUS)
    status = models.CharField(
        _("复工状态"),
        max_length=12,
        choices=FirmStatus.choices,
        default=FirmStatus.NOT_RESUMED,
        db_index=True,
    )
    status_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)
    industry_code = models.CharField(_("行业代码"), max_length=5, blank=True)
    legal_rep = models.CharField(_("法定代表人"), max_length=50, blank=True)
    road = models.CharField(_("道路"), max_length=40, blank=True)
    house_number = models.PositiveIntegerField(_("门牌号"), null=True, blank=True)
    name_key = models.CharField(_("名称比对键"), max_length=120, db_index=True, editable=False)
    address_key = models.CharField(_("地址比对键"), max_length=200, blank=True, editable=False)
    exempt = models.ForeignKey(
        ExemptCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="firms",
        verbose_name=_("豁免类别"),
    )
    follow_up_due = models.DateField(_("复查期限"), null=True, blank=True)
    # NULL until the office issues the firm's public application link (the census import writes none)
    link_token_hash = models.CharField(
        _("复工申请链接摘要"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("已合并到"),
    )

    scope_organization_field = "organization_id"

    class Meta:
        verbose_name = _("排摸企业")
        verbose_name_plural = _("排摸企业")
        ordering = ["pk"]
        indexes = [models.Index(fields=["subdistrict", "status"], name="firm_sub_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FirmStatus.values),
                name="firm_status_known",
                violation_error_message=_("未知的复工状态。"),
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")),
                name="firm_not_merged_into_itself",
                violation_error_message=_("不能合并到自身。"),
            ),
        ]

    def __str__(self) -> str:
        return self.organization.name if self.organization_id else ""


class StatusChange(InspectionsModel):
    """One audited transition of a firm's status (the firm page lists them)."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="changes", verbose_name=_("企业"))
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    from_status = models.CharField(_("原状态"), max_length=12, choices=FirmStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=12, choices=FirmStatus.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    scope_organization_field = "firm__organization_id"

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class DuplicatePair(InspectionsModel):
    """Two firms that look like the same unit (same normalised name and address, different or missing credit
    codes), for staff to merge or keep apart."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+", verbose_name=_("企业"))
    other = models.ForeignKey(
        Firm, on_delete=models.CASCADE, related_name="+", verbose_name=_("疑似重复企业")
    )
    reason = models.CharField(_("疑似原因"), max_length=100)
    state = models.CharField(
        _("核对结果"), max_length=10, choices=DuplicateState.choices, default=DuplicateState.OPEN
    )

    scope_neighborhood_field = None

    class Meta:
        verbose_name = _("疑似重复企业")
        verbose_name_plural = _("疑似重复企业")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "other"], name="duplicatepair_unique"),
            models.CheckConstraint(
                condition=Q(firm__lt=models.F("other")),
                name="duplicatepair_ordered",
                violation_error_message=_("疑似重复的两家企业须不同。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} ~ {self.other_id}"


class Application(InspectionsModel):
    """A resumption application (复工申请) with its checklist."""

    firm = models.ForeignKey(
        Firm, on_delete=models.CASCADE, related_name="applications", verbose_name=_("企业")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    channel = models.CharField(
        _("申请渠道"), max_length=10, choices=ApplicationChannel.choices, default=ApplicationChannel.STAFF
    )
    planned_date = models.DateField(_("计划复工日期"))
    prevention_plan = models.BooleanField(_("有防控方案"), default=False)
    health_register = models.BooleanField(_("有员工健康登记"), default=False)
    returnees_screened = models.BooleanField(_("返沪员工已排查并落实隔离"), default=False)
    disinfection = models.BooleanField(_("食堂、电梯、会议室已消毒"), default=False)
    supplies = models.BooleanField(_("口罩、体温计有储备"), default=False)
    no_large_meetings = models.BooleanField(_("不举行大型会议"), default=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    status = models.CharField(
        _("审核状态"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.CharField(_("审核意见"), max_length=300, blank=True)
    client_token = models.CharField(_("提交编号"), max_length=40, blank=True, editable=False)

    scope_organization_field = "organization_id"

    CHECKLIST: ClassVar[tuple[str, ...]] = (
        "prevention_plan",
        "health_register",
        "returnees_screened",
        "disinfection",
        "supplies",
        "no_large_meetings",
    )

    class Meta:
        verbose_name = _("复工申请")
        verbose_name_plural = _("复工申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "client_token"],
                condition=~Q(client_token=""),
                name="application_once_per_token",
            ),
            models.UniqueConstraint(
                fields=["firm"],
                condition=Q(status=ApplicationStatus.PENDING),
                name="application_one_pending",
                violation_error_message=_("该企业已有待审核的复工申请。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm} {self.planned_date}"


class Call(InspectionsModel):
    """One phone call of the daily call list (每日电话)."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="calls", verbose_name=_("企业"))
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    day = models.DateField(_("日期"), db_index=True)
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("拨打人"),
    )
    outcome = models.CharField(_("结果"), max_length=12, choices=CallOutcome.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    called_at = models.DateTimeField(_("拨打时间"), default=timezone.now)

    scope_organization_field = "firm__organization_id"

    class Meta:
        verbose_name = _("电话记录")
        verbose_name_plural = _("电话记录")
        ordering = ["-called_at", "-pk"]
        indexes = [models.Index(fields=["firm", "day"], name="call_firm_day")]

    def __str__(self) -> str:
        return f"{self.firm_id} {self.day}"


class SupervisionCase(InspectionsModel):
    """A firm escalated to the special supervision team (专项督查组) after it refused dissuasion: a deadline,
    an owner, actions and an outcome. Overdue open cases alert the owner and HQ once a day."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="cases", verbose_name=_("企业"))
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    reason = models.CharField(_("移交原因"), max_length=300)
    deadline = models.DateField(_("整改期限"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("负责人"),
    )
    outcome = models.CharField(
        _("结果"), max_length=10, choices=CaseOutcome.choices, default=CaseOutcome.OPEN
    )
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督查案件")
        verbose_name_plural = _("督查案件")
        ordering = ["deadline", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm"],
                condition=Q(outcome="open"),
                name="case_one_open_per_firm",
                violation_error_message=_("该企业已有未结的督查案件。"),
            ),
            models.CheckConstraint(
                condition=Q(outcome="open", closed_at__isnull=True)
                | (~Q(outcome="open") & Q(closed_at__isnull=False)),
                name="case_closed_when_decided",
                violation_error_message=_("结案须有结果和结案时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm} {self.deadline}"


class CaseAction(InspectionsModel):
    case = models.ForeignKey(
        SupervisionCase, on_delete=models.CASCADE, related_name="actions", verbose_name=_("督查案件")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    text = models.CharField(_("措施"), max_length=300)

    class Meta:
        verbose_name = _("督查措施")
        verbose_name_plural = _("督查措施")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Visit(InspectionsModel):
    """An inspection visit (四进巡查) of a premises or a firm, filled on a phone one step at a time: saved as a
    draft after each step, submitted once (``client_token`` makes a repeated submit answer the same visit)."""

    firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, null=True, blank=True, related_name="visits", verbose_name=_("企业")
    )
    premises = models.ForeignKey(
        "registry.Premises",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("楼宇园区"),
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    team = models.CharField(_("巡查队"), max_length=60, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("巡查人"),
    )
    visited_at = models.DateTimeField(_("巡查时间"), default=timezone.now)
    day = models.DateField(_("日期"), db_index=True)
    checklist = models.JSONField(_("四进检查"), default=dict, blank=True)
    entry_registration = models.BooleanField(_("已查验进出登记"), default=False)
    disinfection = models.BooleanField(_("已查验消毒"), default=False)
    forms_handed = models.PositiveIntegerField(_("发放健康登记表"), default=0)
    notices_posted = models.PositiveIntegerField(_("张贴告知单"), default=0)
    open_early = models.BooleanField(_("发现提前复工"), default=False)
    dissuaded = models.BooleanField(_("已劝阻"), default=False)
    signature = models.CharField(_("企业签字"), max_length=10, choices=Signature.choices, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=VisitState.choices, default=VisitState.DRAFT)
    step = models.PositiveSmallIntegerField(_("已完成步骤"), default=0)
    client_token = models.CharField(_("提交编号"), max_length=40, editable=False)

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["-visited_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "client_token"], name="visit_once_per_token"),
            models.CheckConstraint(
                condition=Q(firm__isnull=False) | Q(premises__isnull=False),
                name="visit_has_target",
                violation_error_message=_("巡查须指明企业或楼宇园区。"),
            ),
            models.CheckConstraint(
                condition=Q(dissuaded=False) | Q(open_early=True),
                name="visit_dissuasion_needs_opening",
                violation_error_message=_("劝阻须针对提前复工。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.firm or self.premises} {self.day}"


class VisitPhoto(InspectionsModel):
    """A photo of a visit, resized on the phone (JPEG, at most 1,280 px) and stored with the visit."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("巡查记录")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    place = models.CharField(_("位置"), max_length=12, choices=VisitPlace.choices)
    image = models.BinaryField(_("图片"))
    width = models.PositiveSmallIntegerField(_("宽"))
    height = models.PositiveSmallIntegerField(_("高"))

    class Meta:
        verbose_name = _("巡查照片")
        verbose_name_plural = _("巡查照片")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.place}"


class PatrolTeam(InspectionsModel):
    """A patrol team (巡察队) of one zone, with its members from market regulation, city management and the
    cadres. Its shifts are a roster of the pairing app: the team's duty point (a ``pairing.Point`` of the
    team's organisation), shift templates and the roster solver; members are pairing duty people."""

    zone = models.OneToOneField(
        "registry.PatrolZone",
        on_delete=models.PROTECT,
        related_name="patrol_team",
        verbose_name=_("巡查片区"),
    )
    name = models.CharField(_("名称"), max_length=60)
    organization = models.OneToOneField(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="patrol_team",
        verbose_name=_("队伍单位"),
    )
    point = models.ForeignKey(
        "pairing.Point",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("值班点位"),
    )
    roster = models.ForeignKey(
        "pairing.Roster",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("当前排班表"),
    )

    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("巡察队")
        verbose_name_plural = _("巡察队")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class PatrolMember(InspectionsModel):
    team = models.ForeignKey(
        PatrolTeam, on_delete=models.CASCADE, related_name="members", verbose_name=_("巡察队")
    )
    department = models.CharField(_("所属部门"), max_length=10, choices=Department.choices)
    duty_person = models.OneToOneField(
        "pairing.DutyPerson",
        on_delete=models.PROTECT,
        related_name="patrol_member",
        verbose_name=_("值班人员"),
    )
    leader = models.BooleanField(_("队长"), default=False)

    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("巡察队员")
        verbose_name_plural = _("巡察队员")
        ordering = ["-leader", "department", "pk"]

    def __str__(self) -> str:
        return str(self.duty_person)


class PatrolRound(InspectionsModel):
    """One patrol round (巡察) of a team along streets and compounds on a day, with its findings."""

    team = models.ForeignKey(
        PatrolTeam, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("巡察队")
    )
    day = models.DateField(_("日期"), db_index=True)
    route = models.CharField(
        _("巡察路线"), max_length=300, help_text=_("途经的道路和小区，如 万安路、东体育会路、XX小区")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    client_token = models.CharField(_("提交编号"), max_length=40, editable=False)

    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("巡察记录")
        verbose_name_plural = _("巡察记录")
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "client_token"], name="patrolround_once_per_token")
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.day}"


class PatrolFinding(InspectionsModel):
    """What a round found: a firm not on the census list (added as an on-site firm), a firm open early (a
    visit started for it), outsiders, or anything else; ``firm`` and ``visit`` point at what it became."""

    patrol = models.ForeignKey(
        PatrolRound, on_delete=models.CASCADE, related_name="findings", verbose_name=_("巡察记录")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    kind = models.CharField(_("发现类型"), max_length=12, choices=FindingKind.choices)
    place = models.CharField(_("地点"), max_length=200)
    text = models.CharField(_("情况"), max_length=300, blank=True)
    firm = models.ForeignKey(
        Firm, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("企业")
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("巡查记录")
    )

    scope_shared = True

    class Meta:
        verbose_name = _("巡察发现")
        verbose_name_plural = _("巡察发现")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.place}"

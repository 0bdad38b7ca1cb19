"""Returnees (返沪人员): declarations, risk rules, isolation, twice-daily health reports, follow-up tasks and
referrals; venue health registration (场所健康登记) and health forms (《健康状况信息登记表》).

Identity values are sealed (``*_enc``/``*_hash``/``*_masked``, see core.crypto); pages show the masked form.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.choices import DocumentType, Domain
from fangkong.core.models import ScopedModel, personal_fields
from fangkong.returnees.choices import (
    AmendmentStatus,
    IsolationMode,
    IsolationStatus,
    ReferralOutcome,
    ReportSource,
    RiskAction,
    RiskLevel,
    RuleKind,
    SignoffRole,
    Slot,
    Source,
    TaskStatus,
    Transport,
    VisitKind,
)


class ReturneesModel(ScopedModel):
    scope_domain = Domain.RETURNEES

    class Meta:
        abstract = True


class RiskRule(ReturneesModel):
    """One classification rule in force over a period for a sub-district; the first match (by priority) wins."""

    name = models.CharField(_("规则名称"), max_length=80)
    kind = models.CharField(_("规则类型"), max_length=20, choices=RuleKind.choices)
    level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    action = models.CharField(_("处置"), max_length=20, choices=RiskAction.choices)
    days = models.PositiveSmallIntegerField(_("抵沪天数N"), default=14)
    region_prefixes = models.CharField(
        _("重点地区代码前缀"), max_length=200, blank=True, help_text=_("逗号分隔，例如 42 表示湖北省")
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=10)
    effective_from = models.DateField(_("生效日期"))
    effective_until = models.DateField(_("失效日期"), null=True, blank=True)

    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("风险分类规则")
        verbose_name_plural = _("风险分类规则")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gte=F("effective_from")),
                name="riskrule_period_order",
                violation_error_message=_("失效日期不能早于生效日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefixes(self) -> list[str]:
        return [p.strip() for p in self.region_prefixes.split(",") if p.strip()]

    @property
    def prefix_labels(self) -> list[str]:
        """Each code prefix with its GB/T 2260 name beside it: "湖北省（42）"."""
        from fangkong.returnees.regions import prefix_name

        return [f"{prefix_name(p)}（{p}）" if prefix_name(p) else p for p in self.prefixes]


class Declaration(ReturneesModel):
    """A returnee's declaration (返沪申报) for one trip. Same ID + arrival date + trip number = one row."""

    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    building = models.ForeignKey(
        "registry.Building", on_delete=models.PROTECT, related_name="+", verbose_name=_("楼栋")
    )
    room = models.CharField(_("室号"), max_length=20)
    name = models.CharField(_("姓名"), max_length=50)
    doc_type = models.CharField(
        _("证件类型"), max_length=20, choices=DocumentType.choices, default=DocumentType.RESIDENT_ID
    )
    id_number_enc, id_number_hash, id_number_masked = personal_fields(_("证件号码"), kind="id_number")
    phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone")
    origin_code = models.CharField(_("来沪前所在地区代码"), max_length=6)
    origin_name = models.CharField(_("来沪前所在地区"), max_length=60)
    transport = models.CharField(_("交通方式"), max_length=20, choices=Transport.choices)
    transport_number = models.CharField(_("车次/航班/车牌"), max_length=20, blank=True)
    departure_date = models.DateField(_("出发日期"))
    arrival_date = models.DateField(_("抵沪日期"))
    key_area = models.BooleanField(_("来自重点地区"), default=False)
    exposure = models.BooleanField(_("14天内有接触史"), default=False)
    exposure_note = models.CharField(_("接触史说明"), max_length=200, blank=True)
    symptoms = models.BooleanField(_("有发热或呼吸道症状"), default=False)
    symptoms_note = models.CharField(_("症状说明"), max_length=200, blank=True)
    temperature = models.DecimalField(_("申报时体温"), max_digits=3, decimal_places=1, null=True, blank=True)
    employer = models.ForeignKey(
        "registry.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("工作单位"),
    )
    employer_name = models.CharField(_("工作单位名称"), max_length=120, blank=True)
    household_members = models.JSONField(_("同住人员"), default=list, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.STAFF)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices, db_index=True)
    risk_action = models.CharField(_("处置"), max_length=20, choices=RiskAction.choices)
    risk_rule = models.ForeignKey(
        RiskRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("命中规则"),
    )
    risk_rule_label = models.CharField(_("命中规则说明"), max_length=120, blank=True)
    declared_at = models.DateTimeField(_("申报时间"), default=timezone.now, db_index=True)
    merge_count = models.PositiveSmallIntegerField(_("合并次数"), default=0)
    submission_id = models.CharField(_("提交编号"), max_length=40, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("疑似重复于"),
        help_text=_("另一居民区已申报同一人同一行程：由总指挥部核对（例如已迁入本居民区）。"),
    )
    duplicate_resolved_at = models.DateTimeField(_("重复核对时间"), null=True, blank=True)
    duplicate_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("重复核对人"),
    )
    duplicate_note = models.CharField(_("重复核对说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("返沪申报")
        verbose_name_plural = _("返沪申报")
        ordering = ["-declared_at", "-id"]
        indexes = [models.Index(fields=["subdistrict", "neighborhood", "declared_at"], name="decl_scope_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "id_number_hash", "arrival_date", "transport_number"],
                condition=Q(duplicate_of__isnull=True),
                name="declaration_one_per_trip",
                violation_error_message=_("此人本次行程已申报。"),
            ),
            models.CheckConstraint(
                condition=Q(arrival_date__gte=F("departure_date")),
                name="declaration_arrival_after_departure",
                violation_error_message=_("抵沪日期不能早于出发日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.origin_name}）"


class DeclarationAmendment(ReturneesModel):
    """A public re-submission of a trip already declared: the changes it proposes, kept for the neighborhood's
    staff to accept or reject field by field. A public submission never writes into the declaration itself.

    ``proposed`` holds the proposed values (JSON-safe) of the fields that differ; a proposed phone number is
    sealed in the ``phone_*`` columns, never in ``proposed``. ``decisions`` holds field → accept/reject."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("申报")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    proposed = models.JSONField(_("提交的更改"), default=dict, blank=True)
    phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone")
    new_symptoms = models.BooleanField(_("新报告症状或发热"), default=False)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=AmendmentStatus.choices,
        default=AmendmentStatus.PENDING,
        db_index=True,
    )
    decisions = models.JSONField(_("审核结果"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    submission_id = models.CharField(_("提交编号"), max_length=40, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("申报更正")
        verbose_name_plural = _("申报更正")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["subdistrict", "status"], name="amend_scope_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "submission_id"],
                condition=~Q(submission_id=""),
                name="amendment_submission_once",
                violation_error_message=_("该更正已提交。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.declaration.name} · {self.submitted_at:%Y-%m-%d %H:%M}"

    @property
    def fields_proposed(self) -> list[str]:
        return list(self.proposed) + (["phone"] if self.phone_hash else [])


class Isolation(ReturneesModel):
    """Home or central isolation: end = start + N days; the end can move later, never earlier."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="isolations", verbose_name=_("申报")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    building = models.ForeignKey(
        "registry.Building", on_delete=models.PROTECT, related_name="+", verbose_name=_("楼栋")
    )
    id_number_hash = models.CharField(
        _("证件查找索引"), max_length=64, blank=True, db_index=True, editable=False
    )
    mode = models.CharField(
        _("隔离方式"), max_length=10, choices=IsolationMode.choices, default=IsolationMode.HOME
    )
    start_date = models.DateField(_("开始日期"))
    planned_end_date = models.DateField(_("原定结束日期"))
    end_date = models.DateField(_("结束日期"), db_index=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=IsolationStatus.choices,
        default=IsolationStatus.ACTIVE,
        db_index=True,
    )
    report_token_hash = models.CharField(_("上报链接摘要"), max_length=64, unique=True, editable=False)
    released_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签字解除人"),
    )
    signoff_role = models.CharField(_("解除签字方"), max_length=20, choices=SignoffRole.choices, blank=True)
    release_note = models.CharField(_("解除说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("隔离")
        verbose_name_plural = _("隔离")
        ordering = ["end_date", "id"]
        indexes = [models.Index(fields=["subdistrict", "status", "end_date"], name="iso_scope_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__gt=F("start_date")),
                name="isolation_end_after_start",
                violation_error_message=_("隔离结束日期必须晚于开始日期。"),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("planned_end_date")),
                name="isolation_never_shortened",
                violation_error_message=_("隔离期只能延长，不能缩短。"),
            ),
            models.CheckConstraint(
                condition=Q(status=IsolationStatus.ACTIVE)
                | (Q(released_by__isnull=False) & ~Q(signoff_role="")),
                name="isolation_release_signed",
                violation_error_message=_("解除隔离须有居委会或社区卫生服务中心签字。"),
            ),
            models.UniqueConstraint(
                fields=["declaration"],
                condition=Q(status=IsolationStatus.ACTIVE),
                name="isolation_one_active_per_declaration",
                violation_error_message=_("该申报已有进行中的隔离。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration.name} {self.start_date}–{self.end_date}"


class HealthReport(ReturneesModel):
    """A twice-daily temperature and symptom report (self-reported or taken by phone)."""

    isolation = models.ForeignKey(
        Isolation, on_delete=models.CASCADE, related_name="reports", verbose_name=_("隔离")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    day = models.DateField(_("日期"))
    slot = models.CharField(_("时段"), max_length=2, choices=Slot.choices)
    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1)
    symptoms = models.BooleanField(_("有症状"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    fever = models.BooleanField(_("发热"), default=False)
    source = models.CharField(
        _("上报方式"), max_length=10, choices=ReportSource.choices, default=ReportSource.SELF
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )

    class Meta:
        verbose_name = _("健康上报")
        verbose_name_plural = _("健康上报")
        ordering = ["-day", "-slot"]
        indexes = [models.Index(fields=["subdistrict", "day", "fever"], name="report_scope_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["isolation", "day", "slot"],
                name="report_one_per_slot",
                violation_error_message=_("本时段已上报。"),
            ),
            models.CheckConstraint(
                condition=Q(temperature__gte=34) & Q(temperature__lte=42),
                name="report_temperature_range",
                violation_error_message=_("体温应在 34.0–42.0 °C 之间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_slot_display()} {self.temperature}"


class Venue(ReturneesModel):
    """A place with a health-registration QR poster: an organisation (hotel, elderly home, firm), premises, or a
    compound whose gate is a volunteer service and registration point (志愿者服务点暨登记点)."""

    organization = models.OneToOneField(
        "registry.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="venue",
        verbose_name=_("单位"),
    )
    premises = models.OneToOneField(
        "registry.Premises",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="venue",
        verbose_name=_("楼宇园区"),
    )
    compound = models.OneToOneField(
        "registry.Compound",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="venue",
        verbose_name=_("小区（门口志愿者服务点暨登记点）"),
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=20)
    code = models.CharField(_("场所码"), max_length=32, unique=True, editable=False)
    visits_suspended_from = models.DateField(_("暂停探视起始日期"), null=True, blank=True)
    visits_suspended_until = models.DateField(_("暂停探视截止日期"), null=True, blank=True)
    suspension_note = models.CharField(_("暂停说明"), max_length=200, blank=True)

    scope_organization_field = "organization_id"

    class Meta:
        verbose_name = _("登记场所")
        verbose_name_plural = _("登记场所")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(organization__isnull=False) & Q(premises__isnull=True) & Q(compound__isnull=True)
                )
                | (Q(organization__isnull=True) & Q(premises__isnull=False) & Q(compound__isnull=True))
                | (Q(organization__isnull=True) & Q(premises__isnull=True) & Q(compound__isnull=False)),
                name="venue_one_place",
                violation_error_message=_("场所须对应一个单位、一个楼宇园区或一个小区。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_elderly_home(self) -> bool:
        return self.kind == "elderly_home"

    def visits_suspended_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        if self.visits_suspended_from is None or day < self.visits_suspended_from:
            return False
        return self.visits_suspended_until is None or day <= self.visits_suspended_until


class VenueVisit(ReturneesModel):
    """One entry in a venue's health log: a visitor's registration, or a staff member's pre-shift reading."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="visits", verbose_name=_("场所"))
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单位"),
    )
    kind = models.CharField(_("类型"), max_length=10, choices=VisitKind.choices, default=VisitKind.VISITOR)
    name = models.CharField(_("姓名"), max_length=50)
    phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone")
    id_number_hash = models.CharField(_("证件查找索引"), max_length=64, blank=True, editable=False)
    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1)
    key_area_14d = models.BooleanField(_("14天内到过重点地区"), default=False)
    fever = models.BooleanField(_("发热"), default=False)
    at = models.DateTimeField(_("登记时间"), default=timezone.now, db_index=True)
    submission_id = models.CharField(_("提交编号"), max_length=40, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )

    scope_organization_field = "organization_id"

    class Meta:
        verbose_name = _("场所健康登记")
        verbose_name_plural = _("场所健康登记")
        ordering = ["-at"]
        indexes = [models.Index(fields=["venue", "at"], name="visit_venue_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "submission_id"],
                name="visit_submission_once",
                violation_error_message=_("该登记已提交。"),
            ),
            models.CheckConstraint(
                condition=Q(temperature__gte=34) & Q(temperature__lte=42),
                name="visit_temperature_range",
                violation_error_message=_("体温应在 34.0–42.0 °C 之间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.name} {self.temperature}"


class Referral(ReturneesModel):
    """A fever (or symptoms) referred to the clinic, with its outcome."""

    isolation = models.ForeignKey(
        Isolation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("隔离"),
    )
    report = models.OneToOneField(
        HealthReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referral",
        verbose_name=_("健康上报"),
    )
    visit = models.OneToOneField(
        VenueVisit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referral",
        verbose_name=_("场所登记"),
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
        "registry.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单位"),
    )
    person_name = models.CharField(_("姓名"), max_length=50)
    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1, null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200)
    outcome = models.CharField(
        _("结果"), max_length=10, choices=ReferralOutcome.choices, default=ReferralOutcome.PENDING
    )
    outcome_note = models.CharField(_("结果说明"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    scope_organization_field = "organization_id"

    class Meta:
        verbose_name = _("转诊")
        verbose_name_plural = _("转诊")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.person_name} {self.reason}"


class FollowUpTask(ReturneesModel):
    """A missed report to follow up by phone, for the person in charge of the building."""

    isolation = models.ForeignKey(
        Isolation, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("隔离")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    building = models.ForeignKey(
        "registry.Building", on_delete=models.PROTECT, related_name="+", verbose_name=_("楼栋")
    )
    day = models.DateField(_("日期"))
    slot = models.CharField(_("时段"), max_length=2, choices=Slot.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("负责人"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("漏报跟进任务")
        verbose_name_plural = _("漏报跟进任务")
        ordering = ["-day", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["isolation", "day", "slot"],
                name="task_one_per_slot",
                violation_error_message=_("该时段已有跟进任务。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.isolation} {self.day} {self.get_slot_display()}"

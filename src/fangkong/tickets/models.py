"""应急联动: partner units (区域化党建单位) with their services, SLAs, emergency kit and 24-hour duty; emergency
service tickets routed to the unit on duty, worked through a fixed state machine against SLA clocks.

A ticket knows only whether home isolation is present at its address (in the room, in the building, or not):
never who. The reporter's phone is sealed (``*_enc``/``*_hash``/``*_masked``, see core.personal).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.choices import Domain
from fangkong.core.models import ScopedModel, personal_fields
from fangkong.tickets.choices import (
    CheckResult,
    Clock,
    Isolation,
    KitKind,
    MemberRole,
    ServiceKind,
    TicketKind,
    TicketSource,
    TicketState,
    Urgency,
)


class PartnerUnit(ScopedModel):
    """A partner unit's emergency profile: what it serves, where, its hotline and its duty point."""

    organization = models.OneToOneField(
        "registry.Organization", on_delete=models.PROTECT, related_name="partner_unit", verbose_name=_("单位")
    )
    service_kind = models.CharField(_("服务类别"), max_length=12, choices=ServiceKind.choices)
    hotline = models.CharField(_("服务热线"), max_length=30)
    neighborhoods = models.ManyToManyField(
        "registry.Neighborhood",
        blank=True,
        related_name="+",
        verbose_name=_("服务居民区"),
        help_text=_("不选表示服务全街道。"),
    )
    point = models.OneToOneField(
        "pairing.Point",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_unit",
        verbose_name=_("值班点位"),
    )
    active = models.BooleanField(_("在用"), default=True)

    scope_domain = Domain.TICKETS
    scope_neighborhood_field = None
    scope_organization_field = "organization_id"
    scope_shared = True

    class Meta:
        verbose_name = _("联动单位")
        verbose_name_plural = _("联动单位")
        ordering = ["organization__name"]

    def __str__(self) -> str:
        return self.organization.name


class UnitService(models.Model):
    """One service of a unit for one kind of ticket and urgency, with its SLA."""

    unit = models.ForeignKey(
        PartnerUnit, on_delete=models.CASCADE, related_name="services", verbose_name=_("单位")
    )
    kind = models.CharField(_("报修类别"), max_length=12, choices=TicketKind.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    respond_minutes = models.PositiveIntegerField(_("响应时限(分钟)"))
    arrive_minutes = models.PositiveIntegerField(_("到场时限(分钟)"))
    resolve_hours = models.PositiveIntegerField(_("完成时限(小时)"))

    class Meta:
        verbose_name = _("服务时限")
        verbose_name_plural = _("服务时限")
        ordering = ["kind", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "urgency"],
                name="unit_service_unique",
                violation_error_message=_("该单位已有此类别与紧急程度的服务时限。"),
            ),
            models.CheckConstraint(
                condition=Q(respond_minutes__gte=1) & Q(arrive_minutes__gte=F("respond_minutes")),
                name="unit_service_respond_before_arrive",
                violation_error_message=_("到场时限不能短于响应时限。"),
            ),
            models.CheckConstraint(
                condition=Q(resolve_hours__gte=1),
                name="unit_service_resolve_positive",
                violation_error_message=_("完成时限至少 1 小时。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.get_urgency_display()}"


class KitItem(models.Model):
    """An item of a unit's emergency kit: how many it keeps and how many it should keep."""

    unit = models.ForeignKey(
        PartnerUnit, on_delete=models.CASCADE, related_name="kit", verbose_name=_("单位")
    )
    kind = models.CharField(_("类别"), max_length=14, choices=KitKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    count = models.PositiveIntegerField(_("现有数量"), default=0)
    required = models.PositiveIntegerField(_("应备数量"), default=0)
    unit_label = models.CharField(_("单位"), max_length=10, default="件")

    class Meta:
        verbose_name = _("应急物资")
        verbose_name_plural = _("应急物资")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"], name="kit_item_unique", violation_error_message=_("该物资已登记。")
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.count)


class UnitMember(models.Model):
    """A partner unit's person: an account of the unit (an organisation contact) and, for the duty roster,
    their duty person."""

    unit = models.ForeignKey(
        PartnerUnit, on_delete=models.CASCADE, related_name="members", verbose_name=_("单位")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_member", verbose_name=_("账号")
    )
    duty_person = models.OneToOneField(
        "pairing.DutyPerson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="unit_member",
        verbose_name=_("值班人员"),
    )
    role = models.CharField(_("岗位"), max_length=12, choices=MemberRole.choices, default=MemberRole.CREW)

    class Meta:
        verbose_name = _("单位人员")
        verbose_name_plural = _("单位人员")
        ordering = ["unit", "role", "id"]

    def __str__(self) -> str:
        return str(self.user)


class Ticket(ScopedModel):
    """An emergency service ticket (应急报修单)."""

    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    building = models.ForeignKey(
        "registry.Building", on_delete=models.PROTECT, related_name="+", verbose_name=_("楼栋")
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("住户"),
    )
    room = models.CharField(_("室号"), max_length=20, blank=True)
    kind = models.CharField(_("报修类别"), max_length=12, choices=TicketKind.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.URGENT)
    description = models.CharField(_("情况说明"), max_length=500, blank=True)
    building_wide = models.BooleanField(_("整栋作业"), default=False)
    state = models.CharField(
        _("状态"), max_length=18, choices=TicketState.choices, default=TicketState.NEW, db_index=True
    )
    source = models.CharField(
        _("来源"), max_length=8, choices=TicketSource.choices, default=TicketSource.STAFF
    )
    phone_enc, phone_hash, phone_masked = personal_fields(_("报修人电话"), kind="phone")
    public_key = models.CharField(
        _("提交编号"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    confirmed_at = models.DateTimeField(_("居委确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    unit = models.ForeignKey(
        PartnerUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("承办单位"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办单位机构"),
    )
    first_unit = models.ForeignKey(
        PartnerUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_tickets",
        verbose_name=_("首接单位"),
    )
    assignee = models.ForeignKey(
        "pairing.DutyPerson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("值班接单人"),
    )
    isolation = models.CharField(
        _("居家隔离提示"), max_length=10, choices=Isolation.choices, default=Isolation.NONE
    )
    consent_by = models.CharField(_("同意人"), max_length=50, blank=True)
    consent_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    opened_at = models.DateTimeField(_("报修时间"), default=timezone.now, db_index=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    respond_due = models.DateTimeField(_("响应时限"), null=True, blank=True)
    arrive_due = models.DateTimeField(_("到场时限"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("完成时限"), null=True, blank=True)

    scope_domain = Domain.TICKETS
    scope_organization_field = "organization_id"

    class Meta:
        verbose_name = _("应急报修单")
        verbose_name_plural = _("应急报修单")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["subdistrict", "state", "opened_at"], name="ticket_scope_state"),
            models.Index(fields=["organization", "state"], name="ticket_org_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=True) | Q(organization__isnull=False),
                name="ticket_unit_has_organization",
                violation_error_message=_("承办单位须有机构。"),
            ),
            models.CheckConstraint(
                condition=Q(consent_at__isnull=True) | ~Q(consent_by=""),
                name="ticket_consent_names_who",
                violation_error_message=_("用户同意须记录同意人。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def number(self) -> str:
        return f"JX{self.pk:06d}" if self.pk else "JX—"


class TicketEvent(models.Model):
    """One transition of a ticket, with its time and note (the ticket's own log; each is audited too)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("报修单")
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
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    from_state = models.CharField(_("原状态"), max_length=18, choices=TicketState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=18, choices=TicketState.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("处置记录")
        verbose_name_plural = _("处置记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%m-%d %H:%M} {self.get_to_state_display()}"


class TicketPhoto(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="photos", verbose_name=_("报修单")
    )
    image = models.ImageField(_("照片"), upload_to="tickets/%Y/%m/")
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class FlatCheck(models.Model):
    """One flat of the door-to-door safety check after a building-wide job."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="flat_checks", verbose_name=_("报修单")
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="+", verbose_name=_("住户")
    )
    room = models.CharField(_("室号"), max_length=20)
    result = models.CharField(
        _("结果"), max_length=10, choices=CheckResult.choices, default=CheckResult.PENDING
    )
    note = models.CharField(_("异常说明"), max_length=200, blank=True)
    checked_at = models.DateTimeField(_("检查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("入户安全检查")
        verbose_name_plural = _("入户安全检查")
        ordering = ["room", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "household"],
                name="flat_check_once",
                violation_error_message=_("该户已在清单中。"),
            ),
            models.CheckConstraint(
                condition=Q(result=CheckResult.PENDING) | Q(checked_at__isnull=False),
                name="flat_check_has_time",
                violation_error_message=_("已检查的住户须有检查时间。"),
            ),
            models.CheckConstraint(
                condition=~Q(result=CheckResult.EXCEPTION) | ~Q(note=""),
                name="flat_check_exception_explained",
                violation_error_message=_("异常须写明情况。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.get_result_display()}"


class TicketAlert(models.Model):
    """An SLA alert sent for a ticket's clock: a warning before the deadline, an escalation after it. Stored
    once per ticket, clock and level, so the job alerts exactly once."""

    WARN = "warn"
    BREACH = "breach"

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("报修单")
    )
    clock = models.CharField(_("时限"), max_length=8, choices=Clock.choices)
    level = models.CharField(_("级别"), max_length=8, choices=[(WARN, _("即将超时")), (BREACH, _("已超时"))])
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("时限提醒")
        verbose_name_plural = _("时限提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "clock", "level"],
                name="ticket_alert_once",
                violation_error_message=_("该提醒已发送。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket} {self.clock} {self.level}"

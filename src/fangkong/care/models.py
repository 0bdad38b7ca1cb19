"""民生保障 (care): the care register of elderly people living alone, built on ``registry.Resident``, and
their weekly deliveries recorded from a phone.

Personal values (the emergency contact's phone) are sealed (``*_enc``/``*_hash``/``*_masked``, see
core.personal); pages show the masked form.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.care.choices import CareReason, CareStatus, DeliveryOutcome, Mobility, Weekday, Welfare
from fangkong.core.choices import Domain
from fangkong.core.models import ScopedModel, personal_fields


class CareModel(ScopedModel):
    scope_domain = Domain.CARE

    class Meta:
        abstract = True


class CareRecord(CareModel):
    """One cared-for resident (关爱对象): the registry's resident with what the care needs on top."""

    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    resident = models.OneToOneField(
        "registry.Resident", on_delete=models.CASCADE, related_name="care", verbose_name=_("居民")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CareStatus.choices, default=CareStatus.ACTIVE, db_index=True
    )
    reason = models.CharField(_("关爱原因"), max_length=12, choices=CareReason.choices)
    lives_alone = models.BooleanField(_("独居"), default=True)
    mobility = models.CharField(
        _("行动能力"), max_length=12, choices=Mobility.choices, default=Mobility.INDEPENDENT
    )
    needs = models.JSONField(_("需求"), default=list, blank=True)
    emergency_name = models.CharField(_("紧急联系人"), max_length=50, blank=True)
    emergency_phone_enc, emergency_phone_hash, emergency_phone_masked = personal_fields(
        _("紧急联系人电话"), kind="phone"
    )
    volunteer = models.ForeignKey(
        "registry.Volunteer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("结对志愿者"),
    )
    team = models.CharField(_("服务队伍"), max_length=80, blank=True)
    supplier = models.ForeignKey(
        "registry.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("供货单位"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("每周配送日"), choices=Weekday.choices, null=True, blank=True
    )
    items = models.CharField(_("配送物品"), max_length=200, blank=True)
    since = models.DateField(_("纳入日期"), default=timezone.localdate)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("关爱对象")
        verbose_name_plural = _("关爱对象")
        ordering = ["neighborhood", "id"]
        indexes = [models.Index(fields=["subdistrict", "status", "weekday"], name="care_scope_status_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__gte=0, weekday__lte=6),
                name="care_weekday_range",
                violation_error_message=_("配送日须为周一至周日。"),
            )
        ]

    def __str__(self) -> str:
        return self.resident.name

    @property
    def need_labels(self) -> list[str]:
        from fangkong.care.choices import Need

        labels = dict(Need.choices)
        return [str(labels.get(n, n)) for n in self.needs]


class Delivery(CareModel):
    """One visit with the week's delivery: delivered, not home or refused, with a welfare check. Contactless
    when the person is in isolation: left at the door and confirmed by phone."""

    record = models.ForeignKey(
        CareRecord, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("关爱对象")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    day = models.DateField(_("日期"))
    week_start = models.DateField(_("所在周（周一）"), db_index=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=DeliveryOutcome.choices)
    welfare = models.CharField(_("身体状况"), max_length=10, choices=Welfare.choices, default=Welfare.WELL)
    contactless = models.BooleanField(_("无接触配送"), default=False)
    phone_confirmed = models.BooleanField(_("已电话确认"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    submission_id = models.CharField(_("提交编号"), max_length=40, blank=True, editable=False)

    class Meta:
        verbose_name = _("配送记录")
        verbose_name_plural = _("配送记录")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["record", "week_start"], name="care_delivery_week")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(contactless=True, outcome=DeliveryOutcome.DELIVERED, phone_confirmed=False),
                name="care_contactless_confirmed",
                violation_error_message=_("无接触配送须电话确认本人已取到。"),
            ),
            models.CheckConstraint(
                condition=Q(week_start__lte=models.F("day")),
                name="care_delivery_week_start",
                violation_error_message=_("所在周须从配送日当周的周一开始。"),
            ),
            models.UniqueConstraint(
                fields=["record", "submission_id"],
                condition=~Q(submission_id=""),
                name="care_delivery_one_per_submission",
                violation_error_message=_("该次提交已记录。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_outcome_display()}"

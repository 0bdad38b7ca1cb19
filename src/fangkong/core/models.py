from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.choices import AuditAction, DeliveryStatus, Domain, JobStatus, LongTaskStatus, Role
from fangkong.core.querysets import ScopedManager, ScopedQuerySet


def personal_fields(
    label: Any, *, kind: str, indexed: bool = True
) -> tuple[models.TextField, models.CharField, models.CharField]:
    """The three columns of one personal value (see core.personal): ciphertext, keyed lookup hash, masked
    form. ``kind`` ("id_number" or "phone", see ``core.personal.KINDS``) is declared here once: hashing,
    masking, search and key checks read it from the fields (``core.personal.kind_of``).

    Use as ``phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone")`` in a
    model body.
    """
    from fangkong.core.personal import KINDS

    if kind not in KINDS:
        raise ValueError(f"unknown personal kind {kind!r}")
    fields: tuple[models.TextField, models.CharField, models.CharField] = (
        models.TextField(_("密文"), blank=True, editable=False),
        models.CharField(_("查找索引"), max_length=64, blank=True, editable=False, db_index=indexed),
        models.CharField(label, max_length=24, blank=True, editable=False),
    )
    for f in fields:
        f.personal_kind = kind  # type: ignore[attr-defined]
    return fields


class TimeStampedModel(models.Model):
    """Created/updated stamps and a version counter for optimistic locking (no lost updates)."""

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class ScopedModel(TimeStampedModel):
    """A record that belongs to a sub-district (and, through a field named by the subclass, a neighborhood)."""

    subdistrict = models.ForeignKey(
        "registry.SubDistrict",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
        db_index=True,
    )

    scope_domain: ClassVar[str] = Domain.REGISTRY
    scope_subdistrict_field: ClassVar[str] = "subdistrict_id"
    scope_neighborhood_field: ClassVar[str | None] = "neighborhood_id"
    scope_organization_field: ClassVar[str | None] = None
    scope_shared: ClassVar[bool] = False

    objects = ScopedManager()

    class Meta:
        abstract = True

    @property
    def scope_neighborhood_id(self) -> int | None:
        field = self.scope_neighborhood_field
        if not field or "__" in field:
            return None
        return getattr(self, field if field.endswith("_id") or field == "pk" else f"{field}_id", None)


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.STAFF)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    district = models.ForeignKey(
        "registry.District", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("区")
    )
    subdistrict = models.ForeignKey(
        "registry.SubDistrict",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("街道"),
    )
    neighborhoods = models.ManyToManyField(
        "registry.Neighborhood", blank=True, related_name="users", verbose_name=_("居民区")
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("所属单位"),
    )
    domains = models.JSONField(_("负责领域"), default=list, blank=True)
    may_reveal_personal_data = models.BooleanField(_("可查看个人信息明文"), default=False)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_read_only(self) -> bool:
        return self.role in (Role.DISTRICT_VIEWER, Role.AUDITOR) and not self.is_superuser


class AuditEventQuerySet(ScopedQuerySet["AuditEvent"]):
    pass


class AuditEvent(models.Model):
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("操作人")
    )
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=10, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=80, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    subdistrict = models.ForeignKey(
        "registry.SubDistrict",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("街道"),
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )

    scope_domain: ClassVar[str] = Domain.REGISTRY
    scope_subdistrict_field: ClassVar[str] = "subdistrict_id"
    scope_neighborhood_field: ClassVar[str | None] = "neighborhood_id"
    scope_organization_field: ClassVar[str | None] = None
    scope_shared: ClassVar[bool] = False

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subdistrict", "at"], name="audit_scope_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"


class Policy(models.Model):
    """A setting the HQ changes per period: the value in force on a day is the latest one started by then."""

    subdistrict = models.ForeignKey(
        "registry.SubDistrict", on_delete=models.CASCADE, related_name="policies", verbose_name=_("街道")
    )
    key = models.CharField(_("政策项"), max_length=50)
    value = models.JSONField(_("取值"))
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("政策设置")
        verbose_name_plural = _("政策设置")
        ordering = ["key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "key", "effective_from"],
                name="policy_one_value_per_day",
                violation_error_message=_("同一天已有该政策项的设置。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value} ({self.effective_from})"


class Notification(models.Model):
    """An alert or message sent through the notification backends, kept for the in-app inbox."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    recipient = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    subdistrict = models.ForeignKey(
        "registry.SubDistrict",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("街道"),
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    kind = models.CharField(_("类别"), max_length=40)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # The columns below have database defaults too: the mask booking statement inserts notifications in SQL.
    link = models.CharField(_("链接"), max_length=300, blank=True, default="", db_default="")
    dedupe_key = models.CharField(_("去重键"), max_length=120, blank=True, default="", db_default="")
    urgent = models.BooleanField(_("紧急"), default=False, db_default=False)
    level = models.PositiveSmallIntegerField(_("提醒层级"), default=0, db_default=0)
    escalated_at = models.DateTimeField(_("已升级时间"), null=True, blank=True)
    delivery_status = models.CharField(
        _("发送状态"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_default=DeliveryStatus.PENDING,
    )
    delivery_attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0, db_default=0)
    deliver_after = models.DateTimeField(_("最早发送时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    delivered_backends = models.CharField(
        _("已送达渠道"), max_length=100, blank=True, default="", db_default=""
    )
    delivery_error = models.CharField(_("发送错误"), max_length=300, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["delivery_status", "deliver_after"], name="notification_delivery"),
            models.Index(fields=["recipient", "read_at"], name="notification_inbox"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once_per_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class JobRun(models.Model):
    """One run of a periodic job for one scheduled period (unique: a period runs once), or a manual run."""

    job = models.CharField(_("任务"), max_length=80)
    period = models.DateTimeField(_("周期"))
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=1)
    manual = models.BooleanField(_("手动运行"), default=False)
    triggered_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("发起人")
    )
    worker = models.CharField(_("执行进程"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次重试"), null=True, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="jobrun_once_per_period")]
        indexes = [models.Index(fields=["job", "status"], name="jobrun_job_status")]

    def __str__(self) -> str:
        return f"{self.job} {self.period:%Y-%m-%d %H:%M}"


class LongTask(models.Model):
    """Long work of one user run by the job runner (an export, an import commit, an optimiser or roster
    solve), with its progress and where its result is; an export's file is kept encrypted until it expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户"))
    kind = models.CharField(_("类型"), max_length=30, default="core.export")
    title = models.CharField(_("标题"), max_length=200, blank=True)
    slug = models.CharField(_("格式"), max_length=40, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=LongTaskStatus.choices, default=LongTaskStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已完成行数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    file_name = models.CharField(_("文件"), max_length=100, blank=True)
    link = models.CharField(_("结果链接"), max_length=200, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title or self.slug or self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class DailyFigure(models.Model):
    """A figure of one day, per sub-district and (where it has one) neighborhood, kept by the daily snapshot
    job so that trends read a small table instead of counting raw rows."""

    subdistrict = models.ForeignKey(
        "registry.SubDistrict", on_delete=models.CASCADE, related_name="+", verbose_name=_("街道")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    day = models.DateField(_("日期"))
    key = models.CharField(_("指标"), max_length=60)
    value = models.FloatField(_("数值"))

    class Meta:
        verbose_name = _("每日指标")
        verbose_name_plural = _("每日指标")
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "neighborhood", "day", "key"], name="dailyfigure_one_value"
            ),
            models.UniqueConstraint(
                fields=["subdistrict", "day", "key"],
                condition=models.Q(neighborhood__isnull=True),
                name="dailyfigure_one_total",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "key", "day"], name="dailyfigure_trend")]

    def __str__(self) -> str:
        return f"{self.day} {self.key}={self.value}"


def model_label(obj: Any) -> str:
    return obj._meta.label_lower


class ApiToken(models.Model):
    """A bearer token for API clients (mobile, mini-program, data exchange). Only its hash is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=80)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """Sign-in attempts per (username, client address), for the lockout in core.auth.

    A row with an empty username counts every username tried from that address (the per-address throttle).
    Usernames are counted whether or not an account exists, so the answers reveal nothing about which do.
    """

    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.CharField(_("客户端地址"), max_length=45)
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    locks = models.PositiveIntegerField(_("锁定次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        constraints = [models.UniqueConstraint(fields=["username", "ip"], name="core_loginfailure_user_ip")]

    def __str__(self) -> str:
        return f"{self.username or '*'}@{self.ip}"


class KeyFingerprint(models.Model):
    """Which keys the stored personal data was written under: a fingerprint per data key id and one of the
    hash key (core.crypto.fingerprint: a keyed digest, never the key). A database restored without its keys
    is recognised by these, and the platform refuses to start on it (core.keycheck)."""

    kind = models.CharField(_("类别"), max_length=8)  # "data" or "hash"
    key_id = models.CharField(_("密钥编号"), max_length=16, blank=True)
    fingerprint = models.CharField(_("指纹"), max_length=64)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("密钥指纹")
        verbose_name_plural = _("密钥指纹")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key_id"], name="core_keyfingerprint_kind_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key_id} {self.fingerprint[:8]}"


class RateCounter(models.Model):
    """A fixed-window hit counter of one rate-limit key (endpoint and client address, or endpoint and a keyed
    hash of what is limited), shared by every worker through the database (see core.ratelimit). On
    PostgreSQL the table is UNLOGGED: the counters only guard a short window."""

    key = models.CharField(_("键"), max_length=80, primary_key=True)
    win = models.BigIntegerField(_("窗口"))
    hits = models.PositiveIntegerField(_("次数"), default=0)

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = _("限流计数")

    def __str__(self) -> str:
        return self.key

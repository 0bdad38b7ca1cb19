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

from fangkong.care.choices import (
    AttendanceSource,
    CareReason,
    CareStatus,
    DeedKind,
    DeliveryOutcome,
    DonorKind,
    IdentityCheck,
    LiangxinKind,
    MaterialKind,
    Mobility,
    SignupStatus,
    TargetKind,
    VolunteerSkill,
    Weekday,
    Welfare,
)
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


class DonationItem(CareModel):
    """One account of the donations ledger: an item and its unit, kept by a neighborhood's committee (or the
    sub-district when no neighborhood). Its balance is what was received less what was given out, never
    negative (a database invariant)."""

    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    name = models.CharField(_("物品"), max_length=60)
    unit = models.CharField(_("单位"), max_length=10)
    is_money = models.BooleanField(_("现金"), default=False)
    is_masks = models.BooleanField(_("口罩"), default=False)
    balance = models.BigIntegerField(_("结存"), default=0)

    class Meta:
        verbose_name = _("捐赠物品")
        verbose_name_plural = _("捐赠物品")
        ordering = ["name", "unit", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="care_item_balance_not_negative",
                violation_error_message=_("结存不足：余额不能为负。"),
            ),
            models.UniqueConstraint(
                fields=["subdistrict", "neighborhood", "name", "unit"],
                name="care_item_unique",
                nulls_distinct=False,
                violation_error_message=_("该物品已有账户。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class Donation(CareModel):
    """A donation received (捐赠): the donor, what it was received for and by whom; its items are lines."""

    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    number = models.CharField(_("收据编号"), max_length=20, unique=True)
    donor_kind = models.CharField(_("捐赠方类型"), max_length=10, choices=DonorKind.choices)
    donor_resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("捐赠居民"),
    )
    donor_organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("捐赠单位"),
    )
    donor_name = models.CharField(_("捐赠方"), max_length=80)
    donor_address = models.CharField(_("捐赠方地址"), max_length=120, blank=True)
    public_thanks = models.BooleanField(_("同意公开致谢"), default=False)
    purpose = models.CharField(_("捐赠用途"), max_length=120, blank=True)
    received_on = models.DateField(_("接收日期"), default=timezone.localdate)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经手人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(donor_kind=DonorKind.ANONYMOUS)
                | (Q(donor_resident__isnull=True) & Q(donor_organization__isnull=True)),
                name="care_anonymous_donor_unnamed",
                violation_error_message=_("匿名捐赠不能关联居民或单位。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.donor_name}"


class DonationLine(CareModel):
    donation = models.ForeignKey(
        Donation, on_delete=models.CASCADE, related_name="lines", verbose_name=_("捐赠")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    item = models.ForeignKey(
        DonationItem, on_delete=models.PROTECT, related_name="lines", verbose_name=_("物品")
    )
    quantity = models.PositiveIntegerField(_("数量"))

    class Meta:
        verbose_name = _("捐赠明细")
        verbose_name_plural = _("捐赠明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="care_line_positive",
                violation_error_message=_("数量须大于0。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.quantity}"


class Distribution(CareModel):
    """Donated goods given out: to a volunteer point (a compound's gate), a committee, a person, an
    organisation, the volunteers, or into the mask stock ledger."""

    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    item = models.ForeignKey(
        DonationItem, on_delete=models.PROTECT, related_name="distributions", verbose_name=_("物品")
    )
    donation = models.ForeignKey(
        Donation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="distributions",
        verbose_name=_("来自捐赠"),
    )
    quantity = models.PositiveIntegerField(_("数量"))
    target_kind = models.CharField(_("去向"), max_length=12, choices=TargetKind.choices)
    target_compound = models.ForeignKey(
        "registry.Compound",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务点所在小区"),
    )
    target_resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受赠居民"),
    )
    target_organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受赠单位"),
    )
    target_name = models.CharField(_("去向说明"), max_length=120)
    day = models.DateField(_("日期"), default=timezone.localdate)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经手人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("捐赠物资发放")
        verbose_name_plural = _("捐赠物资发放")
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="care_distribution_positive",
                violation_error_message=_("数量须大于0。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.quantity} → {self.target_name}"


class MaterialCount(CareModel):
    """Publicity material handed out or posted (宣传材料): how many of a kind, where (a neighborhood, premises,
    a firm or a party branch), by whom, on which day. The one counter of materials: the health forms
    (《健康状况信息登记表》, handed out and returned) are a kind of it."""

    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    kind = models.CharField(_("材料"), max_length=12, choices=MaterialKind.choices, db_index=True)
    premises = models.ForeignKey(
        "registry.Premises",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("楼宇园区"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单位"),
    )
    branch = models.ForeignKey(
        "registry.PartyBranch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党组织"),
    )
    day = models.DateField(_("日期"), db_index=True)
    handed_out = models.PositiveIntegerField(_("发放份数"), default=0)
    returned = models.PositiveIntegerField(_("回收份数"), default=0)
    posted = models.PositiveIntegerField(_("张贴份数"), default=0)
    by_name = models.CharField(_("发放人"), max_length=80, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("宣传材料发放")
        verbose_name_plural = _("宣传材料发放")
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned__lte=models.F("handed_out")),
                name="care_material_returned_le_handed",
                violation_error_message=_("回收份数不能多于发放份数。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} {self.handed_out}"


# ------------------------------------------------------------------------------------------ volunteers


class VolunteerSignup(CareModel):
    """A volunteer's sign-up (志愿者报名) from the public phone page, for a neighborhood or a compound (its
    gate's volunteer point), with skills and availability. Staff verify it: the identity against the registry
    by the ID number's hash, and the party membership; a verified sign-up is the registry's volunteer."""

    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    compound = models.ForeignKey(
        "registry.Compound",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务小区"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone")
    id_number_enc, id_number_hash, id_number_masked = personal_fields(_("身份证号码"), kind="id_number")
    skills = models.JSONField(_("技能"), default=list, blank=True)
    weekdays = models.JSONField(_("可服务星期"), default=list, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=100, blank=True)
    says_party_member = models.BooleanField(_("自报党员"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=SignupStatus.choices, default=SignupStatus.PENDING, db_index=True
    )
    identity = models.CharField(_("身份核验"), max_length=10, choices=IdentityCheck.choices, blank=True)
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对应实有人口"),
    )
    is_party_member = models.BooleanField(_("党员（已核实）"), default=False)
    party_branch = models.ForeignKey(
        "registry.PartyBranch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在党组织"),
    )
    volunteer = models.ForeignKey(
        "registry.Volunteer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("志愿者"),
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核实人"),
    )
    checked_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    public_key = models.CharField(
        _("提交编号"), max_length=80, null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("志愿者报名")
        verbose_name_plural = _("志愿者报名")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subdistrict", "status"], name="care_signup_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "phone_hash"],
                condition=Q(status="pending"),
                name="care_signup_one_pending_per_phone",
                violation_error_message=_("该手机号码已有待核实的报名。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | (~Q(identity="") & Q(volunteer__isnull=False)),
                name="care_signup_verified_checked",
                violation_error_message=_("核实通过须有身份核验结果。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def skill_labels(self) -> list[str]:
        from fangkong.care.choices import VolunteerSkill

        labels = dict(VolunteerSkill.choices)
        return [str(labels.get(s, s)) for s in self.skills]

    @property
    def weekday_labels(self) -> str:
        labels = dict(Weekday.choices)
        days = sorted(d for d in self.weekdays if d in labels)
        return "、".join(str(labels[d]) for d in days) if len(days) < 7 else str(_("每天"))


class ServiceSession(CareModel):
    """A volunteer's service from check-in to check-out (服务时长): at a neighborhood or a compound's gate, for
    a duty (gate, screening, delivery), optionally the roster shift it fills. ``minutes`` is set at
    check-out."""

    volunteer = models.ForeignKey(
        "registry.Volunteer", on_delete=models.CASCADE, related_name="care_sessions", verbose_name=_("志愿者")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    compound = models.ForeignKey(
        "registry.Compound",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
    )
    duty = models.CharField(_("岗位"), max_length=10, choices=VolunteerSkill.choices)
    assignment = models.ForeignKey(
        "pairing.RosterAssignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("排班"),
    )
    started_at = models.DateTimeField(_("签到时间"))
    ended_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("服务分钟"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        verbose_name = _("志愿服务签到")
        verbose_name_plural = _("志愿服务签到")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["volunteer", "started_at"], name="care_session_volunteer")]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer"],
                condition=Q(ended_at__isnull=True),
                name="care_session_one_open",
                violation_error_message=_("该志愿者已签到，尚未签退。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("started_at")),
                name="care_session_ends_after_start",
                violation_error_message=_("签退须晚于签到。"),
            ),
            models.CheckConstraint(
                condition=Q(minutes__lte=24 * 60),
                name="care_session_at_most_a_day",
                violation_error_message=_("一次服务不超过24小时。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.started_at:%m-%d %H:%M}"


# -------------------------------------------------------------------------------- online briefings (微党课)


class Briefing(CareModel):
    """An online briefing (微党课): title, organising offices, day, planned duration, speakers and topics; the
    invited party branches with the members expected from each. Members check in by its link or QR code
    (``code``), or staff import a group's roster; the questions of the Q&A are recorded."""

    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    title = models.CharField(_("题目"), max_length=120)
    organisers = models.CharField(_("主办部门"), max_length=120, blank=True)
    day = models.DateField(_("日期"))
    planned_minutes = models.PositiveSmallIntegerField(_("计划时长（分钟）"), default=30)
    started_at = models.DateTimeField(_("实际开始"), null=True, blank=True)
    ended_at = models.DateTimeField(_("实际结束"), null=True, blank=True)
    speakers = models.JSONField(_("主讲人"), default=list, blank=True)
    topics = models.JSONField(_("主题"), default=list, blank=True)
    code = models.CharField(_("签到码"), max_length=32, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("微党课")
        verbose_name_plural = _("微党课")
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_minutes__gte=1, planned_minutes__lte=600),
                name="care_briefing_planned_range",
                violation_error_message=_("计划时长应在1–600分钟之间。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=False, ended_at__gt=models.F("started_at")),
                name="care_briefing_ends_after_start",
                violation_error_message=_("结束时间须晚于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def actual_minutes(self) -> int | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds() // 60)

    @property
    def overrun_minutes(self) -> int:
        actual = self.actual_minutes
        return max(actual - self.planned_minutes, 0) if actual is not None else 0


class BriefingBranch(models.Model):
    """A party branch invited to a briefing, with the members expected from it."""

    briefing = models.ForeignKey(
        Briefing, on_delete=models.CASCADE, related_name="invited", verbose_name=_("微党课")
    )
    branch = models.ForeignKey(
        "registry.PartyBranch", on_delete=models.CASCADE, related_name="+", verbose_name=_("党组织")
    )
    expected = models.PositiveIntegerField(_("应到人数"), default=0)

    class Meta:
        verbose_name = _("受邀党组织")
        verbose_name_plural = _("受邀党组织")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["briefing", "branch"],
                name="care_briefing_branch_once",
                violation_error_message=_("该党组织已在受邀名单中。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.expected}"


class BriefingAttendance(CareModel):
    """A member who attended: name and branch, checked in by the link (self), imported from a group's
    roster, or added by staff. One row per name and branch of a briefing (a database constraint), so a
    double submit or a second import counts once."""

    briefing = models.ForeignKey(
        Briefing, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("微党课")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    branch = models.ForeignKey(
        "registry.PartyBranch", on_delete=models.CASCADE, related_name="+", verbose_name=_("党组织")
    )
    name = models.CharField(_("姓名"), max_length=50)
    source = models.CharField(_("来源"), max_length=10, choices=AttendanceSource.choices)
    at = models.DateTimeField(_("签到时间"), default=timezone.now)

    class Meta:
        verbose_name = _("微党课签到")
        verbose_name_plural = _("微党课签到")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["briefing", "branch", "name"],
                name="care_attendance_once",
                violation_error_message=_("该党员已签到。"),
            )
        ]
        indexes = [models.Index(fields=["briefing", "branch"], name="care_attendance_branch")]

    def __str__(self) -> str:
        return self.name


class BriefingQuestion(CareModel):
    """A question asked in the Q&A, answered or not."""

    briefing = models.ForeignKey(
        Briefing, on_delete=models.CASCADE, related_name="questions", verbose_name=_("微党课")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    asked_by = models.CharField(_("提问人"), max_length=50, blank=True)
    branch = models.ForeignKey(
        "registry.PartyBranch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党组织"),
    )
    text = models.CharField(_("问题"), max_length=500)
    answered = models.BooleanField(_("已解答"), default=False)
    answer = models.CharField(_("解答"), max_length=500, blank=True)
    answered_by = models.CharField(_("解答人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("微党课提问")
        verbose_name_plural = _("微党课提问")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered=False) | ~Q(answer=""),
                name="care_question_answer_given",
                violation_error_message=_("已解答的问题须填写解答。"),
            )
        ]

    def __str__(self) -> str:
        return self.text[:30]


# ------------------------------------------------------------------------------ 两新 organisations


class LiangxinOrganization(CareModel):
    """A registry organisation marked as 两新 (a new economic or social organisation), with its party members
    and the branch they belong to; what they did is recorded as deeds."""

    organization = models.OneToOneField(
        "registry.Organization", on_delete=models.CASCADE, related_name="liangxin", verbose_name=_("单位")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    kind = models.CharField(_("类别"), max_length=10, choices=LiangxinKind.choices)
    party_members = models.PositiveIntegerField(_("党员人数"), default=0)
    branch = models.ForeignKey(
        "registry.PartyBranch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党组织"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("两新组织")
        verbose_name_plural = _("两新组织")
        ordering = ["organization__name", "id"]

    def __str__(self) -> str:
        return str(self.organization)


class LiangxinDeed(CareModel):
    """What a 两新 organisation's party members did on a day: screening feedback, forwarded letters, guides
    handed out, volunteering; how many members took part and how many (letters, households) it reached."""

    org = models.ForeignKey(
        LiangxinOrganization, on_delete=models.CASCADE, related_name="deeds", verbose_name=_("两新组织")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    kind = models.CharField(_("事项"), max_length=12, choices=DeedKind.choices)
    day = models.DateField(_("日期"))
    members = models.PositiveIntegerField(_("参与党员数"))
    quantity = models.PositiveIntegerField(_("数量"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        verbose_name = _("两新组织党员行动")
        verbose_name_plural = _("两新组织党员行动")
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(members__gte=1),
                name="care_deed_members_positive",
                violation_error_message=_("参与党员数至少为1。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.get_kind_display()}"

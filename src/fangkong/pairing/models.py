"""三结三定: fixed points, pairings, teams, tasks; building assignment and check-in rounds; duty rosters."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.choices import Domain
from fangkong.core.models import ScopedModel
from fangkong.pairing.choices import (
    Frequency,
    LeaveKind,
    MemberKind,
    PairingSource,
    PointKind,
    ProposalAction,
    ProposalStatus,
    Recurrence,
    RosterStatus,
    RoundStatus,
    SwapStatus,
    TaskStatus,
)

ALL_WEEKDAYS = [0, 1, 2, 3, 4, 5, 6]
WEEKDAY_NAMES = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


def all_weekdays() -> list[int]:
    return list(ALL_WEEKDAYS)


def default_deadlines() -> list[str]:
    return ["12:00", "20:00"]


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class PairingSettings(ScopedModel):
    """The HQ's rules for the pairing optimiser, one row per sub-district."""

    max_points_per_cadre = models.PositiveSmallIntegerField(_("每名干部最多点位数"), default=1)
    avoid_home_neighborhood = models.BooleanField(_("不派往本人居住的居民区"), default=True)
    households_per_cadre = models.PositiveIntegerField(
        _("每名干部对应户数"),
        default=0,
        help_text=_("0 表示按户数比例分配全部可用干部。"),
    )
    unit_required_default = models.PositiveSmallIntegerField(_("单位点位默认需要人数"), default=1)
    roster_cover_elsewhere = models.BooleanField(
        _("值班可跨点位顶岗"),
        default=False,
        help_text=_("不勾选时，结对人员只排在其结对点位；勾选后可到其他点位顶岗，但排班尽量避免。"),
    )
    affinity = models.JSONField(
        _("条线与点位类型匹配"),
        default=dict,
        blank=True,
        help_text=_('例如 {"market_regulation": {"premises": 3}}，分值 0–3。'),
    )

    scope_domain = Domain.PAIRING
    scope_neighborhood_field = None

    class Meta:
        verbose_name = _("结对规则")
        verbose_name_plural = _("结对规则")
        constraints = [models.UniqueConstraint(fields=["subdistrict"], name="pairing_settings_one")]

    def __str__(self) -> str:
        return str(_("结对规则"))


class Point(ScopedModel):
    """A fixed point (定点): a neighborhood, or a listed unit (premises or organisation)."""

    kind = models.CharField(_("点位类型"), max_length=20, choices=PointKind.choices)
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairing_points",
        verbose_name=_("居民区"),
    )
    premises = models.ForeignKey(
        "registry.Premises",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairing_points",
        verbose_name=_("楼宇园区"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairing_points",
        verbose_name=_("单位"),
    )
    name = models.CharField(_("名称"), max_length=120)
    households = models.PositiveIntegerField(_("户数"), default=0)
    required_count = models.PositiveSmallIntegerField(
        _("需要干部数"), null=True, blank=True, help_text=_("留空则按户数比例计算。")
    )
    active = models.BooleanField(_("在列"), default=True)

    scope_domain = Domain.PAIRING
    scope_shared = True

    class Meta:
        verbose_name = _("定点")
        verbose_name_plural = _("定点")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["neighborhood"],
                condition=Q(kind="neighborhood"),
                name="point_one_per_neighborhood",
                violation_error_message=_("该居民区已是定点。"),
            ),
            models.UniqueConstraint(
                fields=["premises"],
                condition=Q(kind="premises"),
                name="point_one_per_premises",
                violation_error_message=_("该楼宇园区已是定点。"),
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(kind="organization"),
                name="point_one_per_organization",
                violation_error_message=_("该单位已是定点。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="neighborhood",
                        neighborhood__isnull=False,
                        premises__isnull=True,
                        organization__isnull=True,
                    )
                    | Q(kind="premises", premises__isnull=False, organization__isnull=True)
                    | Q(kind="organization", organization__isnull=False, premises__isnull=True)
                ),
                name="point_kind_matches_target",
                violation_error_message=_("点位类型与所选地点不一致。"),
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "neighborhood"], name="point_scope")]

    def __str__(self) -> str:
        return self.name


class ResponsibilityType(ScopedModel):
    """A duty type for 定责 (gate duty, household screening, building lead …), configurable per sub-district."""

    name = models.CharField(_("名称"), max_length=50)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    scope_domain = Domain.PAIRING
    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("责任类型")
        verbose_name_plural = _("责任类型")
        ordering = ["sort", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "name"],
                name="responsibility_unique_name",
                violation_error_message=_("已有同名责任类型。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Pairing(ScopedModel):
    """条块结对定点 + 联络结盟定责: a cadre bound to a fixed point with a responsibility."""

    cadre = models.ForeignKey(
        "registry.SupportCadre", on_delete=models.PROTECT, related_name="pairings", verbose_name=_("下沉干部")
    )
    point = models.ForeignKey(
        Point, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("定点")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    department = models.ForeignKey(
        "registry.LineDepartment", on_delete=models.PROTECT, related_name="+", verbose_name=_("条线部门")
    )
    responsibility = models.ForeignKey(
        ResponsibilityType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairings",
        verbose_name=_("责任类型"),
    )
    responsibility_note = models.CharField(_("责任说明"), max_length=200, blank=True)
    source = models.CharField(
        _("来源"), max_length=12, choices=PairingSource.choices, default=PairingSource.MANUAL
    )
    active = models.BooleanField(_("有效"), default=True)
    started_on = models.DateField(_("开始日期"), default=timezone.localdate)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    scope_domain = Domain.PAIRING

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        ordering = ["point__name", "cadre__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "point"],
                condition=Q(active=True),
                name="pairing_one_active_per_point",
                violation_error_message=_("该干部已结对此点位。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="pairing_dates_ordered",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]
        indexes = [
            models.Index(fields=["subdistrict", "neighborhood"], name="pairing_scope"),
            models.Index(fields=["cadre", "active"], name="pairing_cadre_active"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.point}"


class Team(ScopedModel):
    """党群结队: cadres, committee party members and volunteers under a leader."""

    name = models.CharField(_("名称"), max_length=80)
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairing_teams",
        verbose_name=_("居民区"),
    )
    point = models.ForeignKey(
        Point, on_delete=models.SET_NULL, null=True, blank=True, related_name="teams", verbose_name=_("定点")
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)

    scope_domain = Domain.PAIRING

    class Meta:
        verbose_name = _("党群队伍")
        verbose_name_plural = _("党群队伍")
        ordering = ["name"]
        indexes = [models.Index(fields=["subdistrict", "neighborhood"], name="team_scope")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members", verbose_name=_("队伍"))
    kind = models.CharField(_("成员类型"), max_length=12, choices=MemberKind.choices)
    cadre = models.ForeignKey(
        "registry.SupportCadre",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("下沉干部"),
    )
    staff = models.ForeignKey(
        "registry.CommitteeStaff",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区工作者"),
    )
    volunteer = models.ForeignKey(
        "registry.Volunteer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("志愿者"),
    )
    is_leader = models.BooleanField(_("队长"), default=False)

    class Meta:
        verbose_name = _("队伍成员")
        verbose_name_plural = _("队伍成员")
        ordering = ["-is_leader", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="cadre", cadre__isnull=False, staff__isnull=True, volunteer__isnull=True)
                    | Q(kind="staff", staff__isnull=False, cadre__isnull=True, volunteer__isnull=True)
                    | Q(kind="volunteer", volunteer__isnull=False, cadre__isnull=True, staff__isnull=True)
                ),
                name="team_member_one_person",
                violation_error_message=_("成员类型与所选人员不一致。"),
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(is_leader=True),
                name="team_one_leader",
                violation_error_message=_("一个队伍只能有一名队长。"),
            ),
            models.UniqueConstraint(fields=["team", "cadre"], name="team_member_unique_cadre"),
            models.UniqueConstraint(fields=["team", "staff"], name="team_member_unique_staff"),
            models.UniqueConstraint(fields=["team", "volunteer"], name="team_member_unique_volunteer"),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def person(self) -> object:
        return self.cadre or self.staff or self.volunteer

    @property
    def is_party_member(self) -> bool:
        return bool(getattr(self.person, "is_party_member", False))


class PairingTask(ScopedModel):
    """定事: a concrete task of a pairing or a team, with an owner, a due date or recurrence, and a status."""

    title = models.CharField(_("事项"), max_length=120)
    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks", verbose_name=_("结对")
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks", verbose_name=_("队伍")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    owner_name = models.CharField(_("负责人"), max_length=50)
    due_date = models.DateField(_("截止日期"), null=True, blank=True)
    recurrence = models.CharField(
        _("重复"), max_length=10, choices=Recurrence.choices, default=Recurrence.NONE
    )
    status = models.CharField(_("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_domain = Domain.PAIRING

    class Meta:
        verbose_name = _("定事任务")
        verbose_name_plural = _("定事任务")
        ordering = ["status", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pairing__isnull=False) | Q(team__isnull=False),
                name="task_has_pairing_or_team",
                violation_error_message=_("任务必须属于一个结对或一个队伍。"),
            ),
            models.CheckConstraint(
                condition=~Q(recurrence="none") | Q(due_date__isnull=False),
                name="task_due_or_recurring",
                violation_error_message=_("一次性任务需要截止日期。"),
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "neighborhood"], name="task_scope")]

    def __str__(self) -> str:
        return self.title


class PairingProposal(ScopedModel):
    """A proposal of the pairing optimiser, reviewed by the HQ."""

    status = models.CharField(
        _("状态"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    solver_status = models.CharField(_("求解状态"), max_length=20, blank=True)
    objective = models.FloatField(_("目标值"), null=True, blank=True)
    bound = models.FloatField(_("下界"), null=True, blank=True)
    gap = models.FloatField(_("最优性差距"), null=True, blank=True)
    seconds = models.FloatField(_("求解用时(秒)"), null=True, blank=True)
    explanation = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )

    scope_domain = Domain.PAIRING
    scope_neighborhood_field = None

    class Meta:
        verbose_name = _("结对方案")
        verbose_name_plural = _("结对方案")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{_('结对方案')} #{self.pk}"


class ProposalItem(models.Model):
    proposal = models.ForeignKey(
        PairingProposal, on_delete=models.CASCADE, related_name="items", verbose_name=_("方案")
    )
    cadre = models.ForeignKey(
        "registry.SupportCadre", on_delete=models.CASCADE, related_name="+", verbose_name=_("下沉干部")
    )
    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="+", verbose_name=_("定点"))
    action = models.CharField(_("动作"), max_length=8, choices=ProposalAction.choices)
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    # the reasons as [key, values] pairs (optimiser.REASONS), worded in the reader's language when shown
    reason_args = models.JSONField(_("理由参数"), default=list, blank=True)
    accepted_at = models.DateTimeField(_("采纳时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("方案条目")
        verbose_name_plural = _("方案条目")
        ordering = ["cadre__name", "point__name"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.cadre} → {self.point}"

    @property
    def reason_display(self) -> str:
        """The reason in the active language (items stored before reasons had keys show their text)."""
        from fangkong.pairing.optimiser import reason_text

        return reason_text(self.reason_args) if self.reason_args else self.reason


# ---------------------------------------------------------------- building assignment and check-in rounds


class BuildingAssignment(ScopedModel):
    """分楼包干: the named person in charge of a building (a cadre or a committee worker), and their team."""

    building = models.OneToOneField(
        "registry.Building", on_delete=models.CASCADE, related_name="assignment", verbose_name=_("楼栋")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    cadre = models.ForeignKey(
        "registry.SupportCadre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="buildings",
        verbose_name=_("下沉干部"),
    )
    staff = models.ForeignKey(
        "registry.CommitteeStaff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="buildings",
        verbose_name=_("社区工作者"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="buildings",
        verbose_name=_("队伍"),
    )

    scope_domain = Domain.PAIRING

    class Meta:
        verbose_name = _("分楼包干")
        verbose_name_plural = _("分楼包干")
        constraints = [
            models.CheckConstraint(
                condition=Q(cadre__isnull=False, staff__isnull=True)
                | Q(cadre__isnull=True, staff__isnull=False),
                name="assignment_one_person",
                violation_error_message=_("每栋楼须指定一名负责人（干部或社区工作者）。"),
            )
        ]
        indexes = [models.Index(fields=["subdistrict", "neighborhood"], name="assignment_scope")]

    @property
    def person(self) -> object:
        return self.cadre or self.staff

    @property
    def user(self) -> object:
        person = self.person
        return getattr(person, "user", None)

    def __str__(self) -> str:
        return f"{self.building} · {self.person}"


class TaskTemplate(ScopedModel):
    """A recurring check-in task, e.g. 电梯消毒, with its default frequency and the deadline of each round."""

    name = models.CharField(_("名称"), max_length=50)
    frequency = models.PositiveSmallIntegerField(
        _("频次"), choices=Frequency.choices, default=Frequency.DAILY
    )
    deadlines = models.JSONField(
        _("截止时间"), default=default_deadlines, help_text=_('每轮的截止时间，如 ["12:00", "20:00"]。')
    )
    active = models.BooleanField(_("启用"), default=True)

    scope_domain = Domain.PAIRING
    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("打卡任务模板")
        verbose_name_plural = _("打卡任务模板")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "name"],
                name="task_template_unique_name",
                violation_error_message=_("已有同名打卡任务。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class BuildingTask(ScopedModel):
    """A task template applied to one building with its frequency there."""

    building = models.ForeignKey(
        "registry.Building", on_delete=models.CASCADE, related_name="checkin_tasks", verbose_name=_("楼栋")
    )
    template = models.ForeignKey(
        TaskTemplate, on_delete=models.CASCADE, related_name="building_tasks", verbose_name=_("任务模板")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    frequency = models.PositiveSmallIntegerField(
        _("频次"), choices=Frequency.choices, default=Frequency.DAILY
    )
    active = models.BooleanField(_("启用"), default=True)

    scope_domain = Domain.PAIRING

    class Meta:
        verbose_name = _("楼栋打卡任务")
        verbose_name_plural = _("楼栋打卡任务")
        constraints = [
            models.UniqueConstraint(
                fields=["building", "template"],
                name="building_task_unique",
                violation_error_message=_("该楼栋已有此打卡任务。"),
            )
        ]
        indexes = [models.Index(fields=["subdistrict", "neighborhood"], name="building_task_scope")]

    def __str__(self) -> str:
        return f"{self.building} · {self.template}"


class CheckInRound(ScopedModel):
    """One round of a building task on a day (slot 1 or 2), and its check-in."""

    building_task = models.ForeignKey(
        BuildingTask, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("楼栋打卡任务")
    )
    building = models.ForeignKey(
        "registry.Building", on_delete=models.CASCADE, related_name="checkin_rounds", verbose_name=_("楼栋")
    )
    template = models.ForeignKey(
        TaskTemplate, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("任务模板")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    date = models.DateField(_("日期"))
    slot = models.PositiveSmallIntegerField(_("轮次"), default=1)
    due_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.PENDING
    )
    done_at = models.DateTimeField(_("打卡时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("打卡人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    photo = models.ImageField(_("照片"), upload_to="pairing/checkins/%Y/%m/", blank=True)
    overdue_notified_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True)

    scope_domain = Domain.PAIRING

    class Meta:
        verbose_name = _("打卡轮次")
        verbose_name_plural = _("打卡轮次")
        ordering = ["date", "building_id", "template_id", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["building_task", "date", "slot"],
                name="round_unique_slot",
                violation_error_message=_("该轮次已存在。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_at__isnull=False),
                name="round_done_has_time",
                violation_error_message=_("已完成的轮次必须有打卡时间。"),
            ),
        ]
        indexes = [
            models.Index(fields=["subdistrict", "date"], name="round_sub_date"),
            models.Index(fields=["neighborhood", "date", "status"], name="round_hood_date"),
            models.Index(fields=["building", "date"], name="round_building_date"),
            models.Index(fields=["status", "due_at"], name="round_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.template} {self.date} #{self.slot}"


# ---------------------------------------------------------------- duty rosters


class DutyPerson(ScopedModel):
    """Someone who can be rostered: a cadre, a committee worker or a volunteer."""

    kind = models.CharField(_("人员类型"), max_length=12, choices=MemberKind.choices)
    cadre = models.OneToOneField(
        "registry.SupportCadre",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="duty_person",
        verbose_name=_("下沉干部"),
    )
    staff = models.OneToOneField(
        "registry.CommitteeStaff",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="duty_person",
        verbose_name=_("社区工作者"),
    )
    volunteer = models.OneToOneField(
        "registry.Volunteer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="duty_person",
        verbose_name=_("志愿者"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    skills = models.CharField(_("技能"), max_length=200, blank=True, help_text=_("多个技能用逗号分隔。"))
    available_weekdays = models.JSONField(_("可值班星期"), default=all_weekdays, blank=True)
    max_shifts_per_week = models.PositiveSmallIntegerField(_("每周最多班次"), null=True, blank=True)
    calendar_token = models.CharField(
        _("日历订阅密钥"), max_length=64, unique=True, default=new_calendar_token, editable=False
    )
    active = models.BooleanField(_("在册"), default=True)

    scope_domain = Domain.PAIRING
    scope_shared = True

    class Meta:
        verbose_name = _("值班人员")
        verbose_name_plural = _("值班人员")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["subdistrict", "neighborhood"], name="duty_person_scope")]

    def __str__(self) -> str:
        return self.name

    @property
    def weekday_labels(self) -> str:
        """The weekdays this person can work, e.g. 周一至周日 or 周一、周三、周五."""
        days = sorted(set(self.available_weekdays or []))
        if days == ALL_WEEKDAYS:
            return str(_("每天"))
        names = [str(WEEKDAY_NAMES[d]) for d in days if 0 <= d <= 6]
        return "、".join(names) if names else str(_("无"))

    @property
    def skill_set(self) -> frozenset[str]:
        text = self.skills.replace("，", ",").replace("、", ",")
        return frozenset(s.strip() for s in text.split(",") if s.strip())


class Unavailability(models.Model):
    person = models.ForeignKey(
        DutyPerson, on_delete=models.CASCADE, related_name="leaves", verbose_name=_("值班人员")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=LeaveKind.choices, default=LeaveKind.LEAVE)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("请假/不可排班")
        verbose_name_plural = _("请假/不可排班")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="leave_dates_ordered",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.start_date}–{self.end_date}"


class ShiftTemplate(ScopedModel):
    """A shift at a point, e.g. 小区门岗 07:00–19:00 with 2 people (may cross midnight)."""

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("定点"))
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    name = models.CharField(_("班次名称"), max_length=50)
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    head_count = models.PositiveSmallIntegerField(_("人数"), default=1)
    required_skill = models.CharField(_("所需技能"), max_length=30, blank=True)
    weekdays = models.JSONField(_("适用星期"), default=all_weekdays, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    scope_domain = Domain.PAIRING

    class Meta:
        verbose_name = _("班次模板")
        verbose_name_plural = _("班次模板")
        ordering = ["point__name", "start_time", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(start_time=models.F("end_time")),
                name="shift_nonzero_length",
                violation_error_message=_("班次开始与结束时间不能相同。"),
            ),
            models.CheckConstraint(
                condition=Q(head_count__gte=1),
                name="shift_head_count_positive",
                violation_error_message=_("人数至少为 1。"),
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "neighborhood"], name="shift_scope")]

    def __str__(self) -> str:
        return f"{self.point} {self.name} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class Roster(ScopedModel):
    """联防联控值班表 for a date range over a set of shift templates."""

    name = models.CharField(_("名称"), max_length=80)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    neighborhood = models.ForeignKey(
        "registry.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居民区"),
    )
    templates = models.ManyToManyField(ShiftTemplate, related_name="rosters", verbose_name=_("班次"))
    people = models.ManyToManyField(DutyPerson, related_name="rosters", verbose_name=_("人员"))
    max_shifts_per_week = models.PositiveSmallIntegerField(_("每周最多班次"), default=5)
    min_rest_hours = models.PositiveSmallIntegerField(_("最少休息小时"), default=11)
    status = models.CharField(
        _("状态"), max_length=12, choices=RosterStatus.choices, default=RosterStatus.DRAFT
    )
    solver_status = models.CharField(_("求解状态"), max_length=20, blank=True)
    objective = models.FloatField(_("目标值"), null=True, blank=True)
    bound = models.FloatField(_("下界"), null=True, blank=True)
    gap = models.FloatField(_("最优性差距"), null=True, blank=True)
    seconds = models.FloatField(_("求解用时(秒)"), null=True, blank=True)
    explanation = models.TextField(_("说明"), blank=True)

    scope_domain = Domain.PAIRING

    class Meta:
        verbose_name = _("值班表")
        verbose_name_plural = _("值班表")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="roster_dates_ordered",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]
        indexes = [models.Index(fields=["subdistrict", "neighborhood"], name="roster_scope")]

    def __str__(self) -> str:
        return self.name


class RosterAssignment(models.Model):
    roster = models.ForeignKey(
        Roster, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("值班表")
    )
    template = models.ForeignKey(
        ShiftTemplate, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("班次")
    )
    person = models.ForeignKey(
        DutyPerson, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("值班人员")
    )
    date = models.DateField(_("日期"))
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    by_hand = models.BooleanField(_("手工调整"), default=False)

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        ordering = ["date", "starts_at", "template_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["roster", "template", "date", "person"],
                name="assignment_unique_person_shift",
                violation_error_message=_("此人已排在该班次。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="assignment_positive_length",
                violation_error_message=_("班次结束须晚于开始。"),
            ),
        ]
        indexes = [
            models.Index(fields=["roster", "date"], name="roster_assignment_date"),
            models.Index(fields=["person", "starts_at"], name="roster_assignment_person"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.template.name} {self.person}"


class ShiftSwap(models.Model):
    """Two people swap their shifts; takes effect once approved."""

    roster = models.ForeignKey(
        Roster, on_delete=models.CASCADE, related_name="swaps", verbose_name=_("值班表")
    )
    first = models.ForeignKey(
        RosterAssignment, on_delete=models.CASCADE, related_name="+", verbose_name=_("班次一")
    )
    second = models.ForeignKey(
        RosterAssignment, on_delete=models.CASCADE, related_name="+", verbose_name=_("班次二")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.PENDING
    )
    requested_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("申请人")
    )
    decided_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)

    class Meta:
        verbose_name = _("换班申请")
        verbose_name_plural = _("换班申请")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first=models.F("second")),
                name="swap_two_shifts",
                violation_error_message=_("换班须涉及两个不同的班次。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.first} ⇄ {self.second}"

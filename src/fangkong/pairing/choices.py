from django.db import models
from django.utils.translation import gettext_lazy as _


class PointKind(models.TextChoices):
    NEIGHBORHOOD = "neighborhood", _("居民区")
    PREMISES = "premises", _("楼宇园区")
    ORGANIZATION = "organization", _("单位")


class PairingSource(models.TextChoices):
    MANUAL = "manual", _("手工")
    OPTIMISER = "optimiser", _("优化方案")
    IMPORT = "import", _("导入")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")


class Recurrence(models.TextChoices):
    NONE = "none", _("一次性")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")


class MemberKind(models.TextChoices):
    CADRE = "cadre", _("下沉干部")
    STAFF = "staff", _("社区工作者")
    VOLUNTEER = "volunteer", _("志愿者")
    PARTNER = "partner", _("共建单位人员")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("待审核")
    ACCEPTED = "accepted", _("已采纳")
    PARTLY = "partly", _("部分采纳")
    REJECTED = "rejected", _("已驳回")
    INFEASIBLE = "infeasible", _("无可行方案")


class ProposalAction(models.TextChoices):
    KEEP = "keep", _("保留")
    ADD = "add", _("新增")
    REMOVE = "remove", _("撤销")


class Frequency(models.IntegerChoices):
    DAILY = 1, _("每日一次")
    TWICE_DAILY = 2, _("每日两次")


class RoundStatus(models.TextChoices):
    PENDING = "pending", _("待打卡")
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("已逾期")


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    INFEASIBLE = "infeasible", _("无可行排班")


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class LeaveKind(models.TextChoices):
    LEAVE = "leave", _("请假")
    UNAVAILABLE = "unavailable", _("不可排班")


SOLVER_LABELS = {
    "optimal": _("最优"),
    "infeasible": _("无可行解"),
    "unknown": _("未求得解"),
}


def solver_label(status: str, gap: float | None = None) -> str:
    """A solver status in words: 最优, 可行（差距 x%）, 无可行解 or 未求得解."""
    from django.utils.translation import gettext

    if status == "feasible":
        if gap is None:
            return gettext("可行")
        return gettext("可行（差距 %(g)s%%）") % {"g": f"{gap * 100:.1f}".rstrip("0").rstrip(".")}
    label = SOLVER_LABELS.get(status)
    return str(label) if label is not None else status

from django.db import models
from django.utils.translation import gettext_lazy as _


class Transport(models.TextChoices):
    RAIL = "rail", _("火车")
    AIR = "air", _("飞机")
    COACH = "coach", _("长途客车")
    SELF_DRIVE = "self_drive", _("自驾")
    FERRY = "ferry", _("轮渡")


class Source(models.TextChoices):
    PUBLIC = "public", _("本人在线申报")
    STAFF = "staff", _("工作人员录入")
    IMPORT = "import", _("排摸名单导入")


class RiskLevel(models.TextChoices):
    GREEN = "green", _("绿")
    YELLOW = "yellow", _("黄")
    RED = "red", _("红")


class RiskAction(models.TextChoices):
    NONE = "none", _("正常管理")
    HOME_ISOLATION = "home_isolation", _("居家隔离")
    REFERRAL = "referral", _("转诊就医")


class RuleKind(models.TextChoices):
    SYMPTOMS = "symptoms", _("有症状或发热")
    KEY_AREA = "key_area", _("重点地区且抵沪未满N天")
    EXPOSURE = "exposure", _("14天内有接触史且抵沪未满N天")


class IsolationMode(models.TextChoices):
    HOME = "home", _("居家隔离")
    CENTRAL = "central", _("集中隔离")


class IsolationStatus(models.TextChoices):
    ACTIVE = "active", _("隔离中")
    RELEASED = "released", _("已解除")


class SignoffRole(models.TextChoices):
    COMMITTEE = "committee", _("居委会")
    HEALTH_CENTRE = "health_centre", _("社区卫生服务中心")


class Slot(models.TextChoices):
    MORNING = "am", _("上午")
    AFTERNOON = "pm", _("下午")


class ReportSource(models.TextChoices):
    SELF = "self", _("本人上报")
    PHONE = "phone", _("电话随访")


class ReferralOutcome(models.TextChoices):
    PENDING = "pending", _("待处理")
    CLINIC = "clinic", _("已送发热门诊")
    CLEARED = "cleared", _("复测正常")
    HOSPITAL = "hospital", _("已收治")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待跟进")
    DONE = "done", _("已完成")


class VisitKind(models.TextChoices):
    VISITOR = "visitor", _("访客登记")
    SHIFT = "shift", _("员工上岗测温")


class AmendmentStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    RESOLVED = "resolved", _("已处理")


class AmendmentDecision(models.TextChoices):
    ACCEPT = "accept", _("采纳")
    REJECT = "reject", _("不采纳")

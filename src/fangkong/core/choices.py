from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HQ = "hq", _("指挥部")
    OFFICE = "office", _("职能科室")
    STAFF = "staff", _("居委工作人员")
    CADRE = "cadre", _("下沉干部")
    ORG_CONTACT = "org_contact", _("单位联系人")
    DISTRICT_VIEWER = "district_viewer", _("区级查看")
    AUDITOR = "auditor", _("审计员")


class Domain(models.TextChoices):
    """The working domains a functional office can be given: one per domain app, added as the app lands."""

    REGISTRY = "registry", _("台账")
    PAIRING = "pairing", _("三结三定")
    MASKS = "masks", _("口罩预约")
    RETURNEES = "returnees", _("返沪与隔离")
    CARE = "care", _("民生保障")
    TICKETS = "tickets", _("应急联动")
    INSPECTIONS = "inspections", _("楼宇园区排摸")
    COMMAND = "command", _("指挥部")


class AuditAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    REVEAL = "reveal", _("查看明文")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    LOGIN = "login", _("登录")
    READ = "read", _("查阅")
    ACTION = "action", _("操作")


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    FOREIGN_PR = "foreign_pr", _("外国人永久居留身份证")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    OK = "ok", _("成功")
    FAILED = "failed", _("失败待重试")
    DEAD = "dead", _("已放弃")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败待重试")
    DEAD = "dead", _("已放弃")


class LongTaskStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    EXPIRED = "expired", _("已过期删除")

from django.db import models
from django.utils.translation import gettext_lazy as _


class FirmStatus(models.TextChoices):
    NOT_RESUMED = "not_resumed", _("未复工")
    APPLIED = "applied", _("已申请")
    APPROVED = "approved", _("已批准")
    RESUMED = "resumed", _("已复工")
    EARLY = "early", _("提前复工")
    DISSUADED = "dissuaded", _("已劝阻")
    SUPERVISED = "supervised", _("督查中")


class FirmSource(models.TextChoices):
    CENSUS = "census", _("四经普名录")
    ON_SITE = "on_site", _("现场发现")
    STAFF = "staff", _("人工录入")


class Parity(models.TextChoices):
    ALL = "all", _("单双号")
    ODD = "odd", _("单号")
    EVEN = "even", _("双号")


class ExemptKind(models.TextChoices):
    CITY_OPERATIONS = "city_operations", _("城市运行保障")
    EPIDEMIC_SUPPLIES = "epidemic_supplies", _("疫情防控物资")
    DAILY_NECESSITIES = "daily_necessities", _("群众生活必需")
    VITAL = "vital", _("其他涉及重要国计民生")


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("已退回")


class ApplicationChannel(models.TextChoices):
    STAFF = "staff", _("工作人员录入")
    CONTACT = "contact", _("单位联系人")
    PUBLIC = "public", _("手机公开页")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("已接通")
    NOT_REACHED = "not_reached", _("未接通")
    INTENDS_TO_OPEN = "intends", _("打算开工")
    OPENED = "opened", _("已开工")


class DuplicateState(models.TextChoices):
    OPEN = "open", _("待核对")
    MERGED = "merged", _("已合并")
    DISTINCT = "distinct", _("不是同一家")


class CaseOutcome(models.TextChoices):
    OPEN = "open", _("督查中")
    CLOSED = "closed", _("已结案")
    COMPLIED = "complied", _("已整改停工")
    REFERRED = "referred", _("移送执法")


class VisitPlace(models.TextChoices):
    GATE = "gate", _("厂门")
    WORKSHOP = "workshop", _("车间")
    WAREHOUSE = "warehouse", _("仓库")
    DORMITORY = "dormitory", _("宿舍")
    OTHER = "other", _("其他")


class VisitState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class Signature(models.TextChoices):
    SIGNED = "signed", _("企业已签字")
    REFUSED = "refused", _("企业拒绝签字")


class Department(models.TextChoices):
    MARKET = "market", _("市场监管")
    CITY = "city", _("城管")
    CADRE = "cadre", _("下沉干部")
    OFFICE = "office", _("社区发展办")


class FindingKind(models.TextChoices):
    NEW_FIRM = "new_firm", _("发现名录外企业")
    OPEN_EARLY = "open_early", _("发现提前开工")
    OUTSIDERS = "outsiders", _("外来人员进入")
    OTHER = "other", _("其他")

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceKind(models.TextChoices):
    """What a partner unit serves (区域化党建单位的专业服务)."""

    GAS = "gas", _("燃气")
    WATER = "water", _("供水")
    POWER = "power", _("供电")
    LIFT = "lift", _("电梯")
    PROPERTY = "property", _("物业")


class TicketKind(models.TextChoices):
    GAS_LEAK = "gas_leak", _("燃气泄漏")
    NO_GAS = "no_gas", _("无燃气")
    WATER = "water", _("供水故障")
    POWER = "power", _("停电/电力故障")
    LIFT = "lift", _("电梯故障")
    OTHER = "other", _("其他")


# The service that answers each kind of ticket (routing).
SERVICE_FOR_KIND: dict[str, str] = {
    TicketKind.GAS_LEAK: ServiceKind.GAS,
    TicketKind.NO_GAS: ServiceKind.GAS,
    TicketKind.WATER: ServiceKind.WATER,
    TicketKind.POWER: ServiceKind.POWER,
    TicketKind.LIFT: ServiceKind.LIFT,
    TicketKind.OTHER: ServiceKind.PROPERTY,
}


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("紧急")
    URGENT = "urgent", _("较急")
    NORMAL = "normal", _("一般")


class TicketState(models.TextChoices):
    NEW = "new", _("新建")
    DISPATCHED = "dispatched", _("已派单")
    RESPONDED = "responded", _("已响应")
    ON_SITE = "on_site", _("到场")
    TEMP_FIX = "temp_fix", _("临时处置")
    AWAITING_CONSENT = "awaiting_consent", _("待用户同意")
    FULL_REPAIR = "full_repair", _("彻底维修")
    SAFETY_CHECK = "safety_check", _("入户安全检查")
    DONE = "done", _("已完成")
    REFERRED = "referred", _("转其他单位")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATES = frozenset(TicketState.values) - {TicketState.DONE, TicketState.CANCELLED}


class TicketSource(models.TextChoices):
    STAFF = "staff", _("工作人员登记")
    UNIT = "unit", _("单位调度")
    PUBLIC = "public", _("居民报修")


class Isolation(models.TextChoices):
    """What a ticket may know of home isolation at its address: never who."""

    NONE = "none", _("无居家隔离")
    BUILDING = "building", _("本楼有居家隔离")
    ROOM = "room", _("本户有居家隔离")


class MemberRole(models.TextChoices):
    LEAD = "lead", _("负责人")
    DISPATCHER = "dispatcher", _("调度员")
    CREW = "crew", _("抢修人员")


class KitKind(models.TextChoices):
    MASKS = "masks", _("口罩")
    SUITS = "suits", _("防护服")
    DISINFECTANT = "disinfectant", _("消毒液")
    TOOLS = "tools", _("工具")
    VEHICLES = "vehicles", _("车辆")
    OTHER = "other", _("其他")


class Clock(models.TextChoices):
    RESPOND = "respond", _("响应")
    ARRIVE = "arrive", _("到场")
    RESOLVE = "resolve", _("完成")


class CheckResult(models.TextChoices):
    PENDING = "pending", _("待检查")
    OK = "ok", _("正常")
    EXCEPTION = "exception", _("异常")
    NO_ACCESS = "no_access", _("未能入户")

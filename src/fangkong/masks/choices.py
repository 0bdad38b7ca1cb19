from django.db import models
from django.utils.translation import gettext_lazy as _


class AllocationMode(models.TextChoices):
    ORDER = "order", _("按预约顺序")
    LOTTERY = "lottery", _("摇号")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("预约中")
    CLOSED = "closed", _("已截止")
    DRAWN = "drawn", _("已摇号")
    FINISHED = "finished", _("已结束")


class RoundPhase(models.TextChoices):
    """Where a round really is now (MaskRound.phase), from its status and its windows."""

    NOT_STARTED = "not_started", _("未开始")
    BOOKING = "booking", _("预约中")
    PICKUP = "pickup", _("领取中")
    ENDED = "ended", _("已结束")


class BookingStatus(models.TextChoices):
    REVIEW = "review", _("待审核（未登记住户）")
    WAITING = "waiting", _("排队等候")
    ALLOCATED = "allocated", _("已分配")
    COLLECTED = "collected", _("已领取")
    FORFEITED = "forfeited", _("逾期作废")
    REJECTED = "rejected", _("审核未通过")


class Channel(models.TextChoices):
    DESK = "desk", _("居委登记")
    PUBLIC = "public", _("网上预约")
    API = "api", _("接口")


class SiteKind(models.TextChoices):
    PHARMACY = "pharmacy", _("指定药房")
    COMMITTEE = "committee", _("居委会")


class VoucherStatus(models.TextChoices):
    ISSUED = "issued", _("待领取")
    COLLECTED = "collected", _("已领取")
    FORFEITED = "forfeited", _("逾期作废")


class LedgerKind(models.TextChoices):
    RECEIVED = "received", _("入库")
    ALLOCATED = "allocated", _("分配")
    COLLECTED = "collected", _("领取")
    FORFEITED = "forfeited", _("作废回库")
    RETURNED = "returned", _("退回")

"""Mask reservations (口罩预约登记): rounds, pickup sites and slots, bookings, vouchers and the stock ledger.

The database holds the rules that must never break: one booking per household (and per address) per round,
one voucher per booking, a stock balance that never goes negative.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.choices import Domain
from fangkong.core.models import ScopedModel, personal_fields
from fangkong.masks.choices import (
    AllocationMode,
    BookingStatus,
    Channel,
    LedgerKind,
    RoundPhase,
    RoundStatus,
    SiteKind,
    VoucherStatus,
)


class MaskRound(ScopedModel):
    """One booking round of a sub-district: window, masks per household, allocation mode."""

    name = models.CharField(_("名称"), max_length=80)
    masks_per_household = models.PositiveSmallIntegerField(_("每户口罩数"))
    opens_at = models.DateTimeField(_("预约开始"))
    closes_at = models.DateTimeField(_("预约截止"))
    pickup_ends_at = models.DateTimeField(_("领取截止"))
    mode = models.CharField(
        _("分配方式"), max_length=10, choices=AllocationMode.choices, default=AllocationMode.ORDER
    )
    status = models.CharField(_("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    lottery_seed = models.CharField(_("摇号种子"), max_length=64, blank=True)
    lottery_digest = models.CharField(_("摇号结果摘要"), max_length=64, blank=True)
    lottery_drawn_at = models.DateTimeField(_("摇号时间"), null=True, blank=True)

    scope_domain = Domain.MASKS
    scope_neighborhood_field = None
    scope_shared = True

    class Meta:
        verbose_name = _("预约轮次")
        verbose_name_plural = _("预约轮次")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="maskround_window_order",
                violation_error_message=_("预约截止时间必须晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(pickup_ends_at__gte=models.F("closes_at")),
                name="maskround_pickup_after_close",
                violation_error_message=_("领取截止时间不能早于预约截止时间。"),
            ),
            models.CheckConstraint(
                condition=Q(masks_per_household__gt=0),
                name="maskround_masks_positive",
                violation_error_message=_("每户口罩数必须大于0。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_at(self, when: object | None = None) -> bool:
        now = when or timezone.now()
        return self.status == RoundStatus.OPEN and self.opens_at <= now < self.closes_at  # type: ignore[operator]

    def phase_at(self, when: Any = None) -> RoundPhase:
        """未开始 before booking opens; 预约中 while booking is open; 领取中 after booking closed until the
        pickup deadline; 已结束 after it, or once the round is finished."""
        now = when or timezone.now()
        if self.status == RoundStatus.FINISHED or now >= self.pickup_ends_at:
            return RoundPhase.ENDED
        if now < self.opens_at:
            return RoundPhase.NOT_STARTED
        if self.is_open_at(now):
            return RoundPhase.BOOKING
        return RoundPhase.PICKUP

    @property
    def phase(self) -> RoundPhase:
        """The round's real state now: the one label every list and selector of rounds shows."""
        return self.phase_at()


class PickupSite(ScopedModel):
    """A pharmacy or committee office where the masks of one neighborhood are collected."""

    round = models.ForeignKey(
        MaskRound, on_delete=models.CASCADE, related_name="sites", verbose_name=_("轮次")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=SiteKind.choices, default=SiteKind.PHARMACY)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    scope_domain = Domain.MASKS

    class Meta:
        verbose_name = _("领取点")
        verbose_name_plural = _("领取点")
        ordering = ["round", "neighborhood", "name"]
        indexes = [models.Index(fields=["round", "neighborhood"], name="masks_site_round_hood")]

    def __str__(self) -> str:
        return self.name


class PickupSlot(models.Model):
    """A time slot at a site with a capacity in vouchers; ``issued`` counts vouchers given the slot."""

    site = models.ForeignKey(
        PickupSite, on_delete=models.CASCADE, related_name="slots", verbose_name=_("领取点")
    )
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    capacity = models.PositiveIntegerField(_("容量（户）"))
    issued = models.PositiveIntegerField(_("已分配（户）"), default=0)

    class Meta:
        verbose_name = _("领取时段")
        verbose_name_plural = _("领取时段")
        ordering = ["site", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued__lte=models.F("capacity")),
                name="masks_slot_within_capacity",
                violation_error_message=_("该时段已满。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="masks_slot_order",
                violation_error_message=_("时段结束时间必须晚于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        end = f"{ends:%H:%M}" if ends.date() == starts.date() else f"{ends:%m-%d %H:%M}"
        return f"{starts:%m-%d %H:%M}–{end}"


class StockBatch(ScopedModel):
    """A delivery of masks to a neighborhood (optionally straight to a site)."""

    round = models.ForeignKey(
        MaskRound, on_delete=models.PROTECT, related_name="batches", verbose_name=_("轮次")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    site = models.ForeignKey(
        PickupSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("领取点"),
    )
    quantity = models.PositiveIntegerField(_("数量（只）"))
    received_at = models.DateTimeField(_("到货时间"), default=timezone.now)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_domain = Domain.MASKS

    class Meta:
        verbose_name = _("到货批次")
        verbose_name_plural = _("到货批次")
        ordering = ["round", "received_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="masks_batch_positive",
                violation_error_message=_("到货数量必须大于0。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity}"


class StockBalance(ScopedModel):
    """The masks of a round on hand in a neighborhood, not yet promised to anyone. Never negative."""

    round = models.ForeignKey(
        MaskRound, on_delete=models.CASCADE, related_name="balances", verbose_name=_("轮次")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    balance = models.IntegerField(_("可分配库存"), default=0)

    scope_domain = Domain.MASKS

    class Meta:
        verbose_name = _("库存余额")
        verbose_name_plural = _("库存余额")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "neighborhood"],
                name="masks_balance_unique",
                violation_error_message=_("该居民区本轮已有库存账户。"),
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="masks_balance_not_negative",
                violation_error_message=_("库存不足：余额不能为负。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.balance}"


class Booking(ScopedModel):
    """One household's booking in a round. A booking that matches no registry household awaits review.

    Every index is paid on each INSERT of a booking surge, so only the needed ones are kept: the round is the
    leading column of the address constraint, and the building and household are found through the household
    and address constraints; status queries use the queue index.
    """

    round = models.ForeignKey(
        MaskRound, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("轮次"), db_index=False
    )
    number = models.CharField(_("预约编号"), max_length=16, unique=True)
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    building = models.ForeignKey(
        "registry.Building",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
        db_index=False,
    )
    room = models.CharField(_("室号"), max_length=20)
    address_key = models.CharField(_("地址键"), max_length=40, editable=False)
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("住户"),
        db_index=False,
    )
    name = models.CharField(_("预约人"), max_length=50)
    id_number_enc, id_number_hash, id_number_masked = personal_fields(_("证件号码"), kind="id_number")
    phone_enc, phone_hash, phone_masked = personal_fields(_("手机号码"), kind="phone", indexed=False)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.PUBLIC)
    status = models.CharField(
        _("状态"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.WAITING
    )
    draw_rank = models.PositiveIntegerField(_("摇号顺序"), null=True, blank=True)

    scope_domain = Domain.MASKS

    class Meta:
        verbose_name = _("口罩预约")
        verbose_name_plural = _("口罩预约")
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household"],
                condition=Q(household__isnull=False),
                name="masks_one_booking_per_household",
                violation_error_message=_("该住户本轮已预约。"),
            ),
            models.UniqueConstraint(
                fields=["round", "address_key"],
                name="masks_one_booking_per_address",
                violation_error_message=_("该地址本轮已预约。"),
            ),
        ]
        indexes = [
            models.Index(fields=["round", "neighborhood", "status"], name="masks_booking_queue"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def unregistered(self) -> bool:
        return self.household_id is None


class Voucher(ScopedModel):
    """The right to collect one booking's masks at a site before ``expires_at``."""

    round = models.ForeignKey(
        MaskRound, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("轮次")
    )
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="voucher", verbose_name=_("预约")
    )
    number = models.CharField(_("领取凭证号"), max_length=16, unique=True)
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    site = models.ForeignKey(
        PickupSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vouchers",
        verbose_name=_("领取点"),
    )
    slot = models.ForeignKey(
        PickupSlot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vouchers",
        verbose_name=_("时段"),
    )
    quantity = models.PositiveSmallIntegerField(_("数量（只）"))
    status = models.CharField(
        _("状态"), max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.ISSUED, db_index=True
    )
    expires_at = models.DateTimeField(_("领取截止"))
    collected_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    collected_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核销人"),
    )

    scope_domain = Domain.MASKS

    class Meta:
        verbose_name = _("领取凭证")
        verbose_name_plural = _("领取凭证")
        ordering = ["round", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="masks_voucher_positive",
                violation_error_message=_("凭证数量必须大于0。"),
            )
        ]
        indexes = [models.Index(fields=["round", "status", "expires_at"], name="masks_voucher_due")]

    def __str__(self) -> str:
        return self.number


class LedgerEntry(ScopedModel):
    """One movement of masks: received (+), allocated (−), forfeited back (+), returned (−), collected (0)."""

    round = models.ForeignKey(
        MaskRound, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("轮次")
    )
    neighborhood = models.ForeignKey(
        "registry.Neighborhood", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民区")
    )
    site = models.ForeignKey(
        PickupSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("领取点"),
    )
    kind = models.CharField(_("类别"), max_length=10, choices=LedgerKind.choices)
    quantity = models.PositiveIntegerField(_("数量（只）"))
    batch = models.ForeignKey(
        StockBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("批次")
    )
    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("凭证")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_domain = Domain.MASKS

    class Meta:
        verbose_name = _("库存台账")
        verbose_name_plural = _("库存台账")
        ordering = ["round", "id"]
        indexes = [models.Index(fields=["round", "neighborhood", "kind"], name="masks_ledger_sum")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity}"


BALANCE_SIGN: dict[str, int] = {
    LedgerKind.RECEIVED: 1,
    LedgerKind.ALLOCATED: -1,
    LedgerKind.FORFEITED: 1,
    LedgerKind.RETURNED: -1,
    LedgerKind.COLLECTED: 0,
}

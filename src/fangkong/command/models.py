"""The command app's kept records: the daily report of each sub-district and day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.choices import Domain
from fangkong.core.models import ScopedModel


class DailyReport(ScopedModel):
    """日报: one per sub-district and day, generated each evening and kept, so yesterday's report reads the same
    tomorrow. ``content`` holds the figures per neighborhood and the day's events (counts and masked names
    only); ``pdf`` is the typeset A4 file made from it."""

    day = models.DateField(_("日期"))
    content = models.JSONField(_("内容"), default=dict)
    pdf = models.BinaryField(_("PDF 文件"), blank=True, default=b"")
    pages = models.PositiveSmallIntegerField(_("页数"), default=0)
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("生成人"),
    )

    scope_domain = Domain.COMMAND
    scope_neighborhood_field = None

    class Meta:
        verbose_name = _("日报")
        verbose_name_plural = _("日报")
        ordering = ["-day", "subdistrict_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "day"],
                name="command_one_report_per_day",
                violation_error_message=_("该街道当天已有日报。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.content.get('subdistrict', '')} {self.day} {_('日报')}"

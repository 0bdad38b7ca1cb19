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


class BulletinPeriod(models.TextChoices):
    DAY = "day", _("当日")
    WEEK = "week", _("一周")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Bulletin(ScopedModel):
    """简报: a day's or a week's work in words. A draft is composed from the figures of its period and then
    edited by HQ (title, lead, each section's text, highlighted stories); publishing typesets its PDF and
    freezes it, so a published bulletin reads the same later. One draft per sub-district and period at a
    time: asking again for the same period's draft opens the one being edited."""

    period = models.CharField(_("范围"), max_length=8, choices=BulletinPeriod.choices)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    title = models.CharField(_("标题"), max_length=120)
    lead = models.TextField(_("导语"), blank=True, max_length=2000)
    sections = models.JSONField(_("正文"), default=list)  # [{"title": ..., "text": ...}]
    status = models.CharField(
        _("状态"), max_length=12, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("起草人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    pdf = models.BinaryField(_("PDF 文件"), blank=True, default=b"")
    pages = models.PositiveSmallIntegerField(_("页数"), default=0)

    scope_domain = Domain.COMMAND
    scope_neighborhood_field = None

    class Meta:
        verbose_name = _("简报")
        verbose_name_plural = _("简报")
        ordering = ["-start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "period", "start", "end"],
                condition=models.Q(status="draft"),
                name="command_one_bulletin_draft_per_period",
                violation_error_message=_("该时段已有一份简报草稿。"),
            ),
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="command_bulletin_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == BulletinStatus.DRAFT

    def plain(self) -> str:
        """The bulletin as text: title, lead, sections, then the stories."""
        lines = [self.title, ""]
        if self.lead:
            lines += [self.lead, ""]
        for section in self.sections:
            lines += [section.get("title", ""), section.get("text", ""), ""]
        for story in self.stories.all():
            lines += [f"【{story.title}】", story.text, ""]
        return "\n".join(lines).strip() + "\n"


class BulletinStory(models.Model):
    """A highlighted story of a bulletin (郭文俊's donation, the gas crew's 5.5-hour repair): free text and an
    optional photo, resized to a JPEG on upload."""

    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.CASCADE, related_name="stories", verbose_name=_("简报")
    )
    title = models.CharField(_("标题"), max_length=60)
    text = models.TextField(_("内容"), max_length=2000)
    photo = models.BinaryField(_("照片"), blank=True, default=b"")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("添加人"),
    )
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("简报事迹")
        verbose_name_plural = _("简报事迹")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

"""The bulletin's writes: a draft composed from the figures, HQ's edits and stories, and publishing, which
typesets the PDF and freezes the bulletin. Every write is audited; edits carry the version they were made on,
so two people saving the same draft at once cannot overwrite each other unseen."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command import access
from fangkong.command import bulletin as composer
from fangkong.command.models import Bulletin, BulletinPeriod, BulletinStatus, BulletinStory
from fangkong.core import audit, images
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ConflictError

MAX_STORIES = 12
CONFLICT = _("该简报已被他人修改，请刷新后重试。")


def _composed_fields(subdistrict: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    composed = composer.compose_bulletin(subdistrict, start, end)
    return {
        "title": composed.title,
        "lead": composed.lead,
        "sections": [{"title": p.title, "text": p.text} for p in composed.paragraphs],
    }


def _check(actor: Any, subdistrict_id: int) -> None:
    if not access.may_edit_bulletin(actor, subdistrict_id):
        raise PermissionDenied(_("无权编辑该街道的简报。"))


def draft(*, actor: Any, subdistrict: Any, period: str, day: dt.date) -> tuple[Bulletin, bool]:
    """The draft of the period holding ``day``: the one being edited, or a new one composed from the figures.
    Asking twice (a double submit, or two people at once) opens the same draft: ``(bulletin, created)``."""
    _check(actor, subdistrict.pk)
    if period not in BulletinPeriod.values:
        raise ValidationError(_("请选择当日或本周。"))
    day = min(day, timezone.localdate())
    start, end = composer.period_of(day, period)
    existing = Bulletin.objects.filter(
        subdistrict=subdistrict, period=period, start=start, end=end, status=BulletinStatus.DRAFT
    ).first()
    if existing is not None:
        return existing, False
    fields = _composed_fields(subdistrict, start, end)
    try:
        with transaction.atomic():
            bulletin = Bulletin.objects.create(
                subdistrict=subdistrict, period=period, start=start, end=end, created_by=actor, **fields
            )
            audit.record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=bulletin,
                changes={"period": period, "start": start.isoformat(), "end": end.isoformat()},
            )
    except IntegrityError:
        return Bulletin.objects.get(
            subdistrict=subdistrict, period=period, start=start, end=end, status=BulletinStatus.DRAFT
        ), False
    return bulletin, True


def _locked_draft(actor: Any, bulletin: Bulletin, expected_version: int) -> Bulletin:
    current = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    _check(actor, current.subdistrict_id)
    if current.status != BulletinStatus.DRAFT:
        raise ValidationError(_("简报已发布，不能再修改。"))
    if current.version != expected_version:
        raise ConflictError(CONFLICT, code="conflict")
    return current


def _bump(current: Bulletin, expected_version: int) -> None:
    if Bulletin.objects.filter(pk=current.pk, version=expected_version).update(version=F("version") + 1) != 1:
        raise ConflictError(CONFLICT, code="conflict")
    current.version = expected_version + 1


@transaction.atomic
def edit(
    *, actor: Any, bulletin: Bulletin, expected_version: int, title: str, lead: str, texts: list[str]
) -> Bulletin:
    """Save HQ's wording of a draft: the title, the lead and each section's text (an emptied section is left
    out of the bulletin)."""
    current = _locked_draft(actor, bulletin, expected_version)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题。")})
    if len(title) > 120 or len(lead or "") > 2000 or any(len(t or "") > 2000 for t in texts):
        raise ValidationError(_("标题不超过 120 字，导语和每段正文不超过 2000 字。"))
    if len(texts) != len(current.sections):
        raise ConflictError(CONFLICT, code="conflict")
    before = {"title": current.title, "lead": current.lead, "sections": current.sections}
    sections = [
        {"title": section["title"], "text": text.strip()}
        for section, text in zip(current.sections, texts, strict=True)
        if (text or "").strip()
    ]
    _bump(current, expected_version)
    current.title, current.lead, current.sections = title, (lead or "").strip(), sections
    current.save(update_fields=["title", "lead", "sections", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=current,
        changes=audit.diff(before, {"title": current.title, "lead": current.lead, "sections": sections}),
    )
    return current


@transaction.atomic
def recompose(*, actor: Any, bulletin: Bulletin, expected_version: int) -> Bulletin:
    """Write the draft again from the period's latest figures (HQ's wording is replaced; stories stay)."""
    current = _locked_draft(actor, bulletin, expected_version)
    fields = _composed_fields(current.subdistrict, current.start, current.end)
    _bump(current, expected_version)
    for name, value in fields.items():
        setattr(current, name, value)
    current.save(update_fields=[*fields, "updated_at"])
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=current, note=_("按最新数据重新生成"))
    return current


@transaction.atomic
def add_story(
    *, actor: Any, bulletin: Bulletin, expected_version: int, title: str, text: str, photo: Any = None
) -> BulletinStory:
    """A highlighted story with an optional photo (resized to a JPEG; anything else is refused)."""
    current = _locked_draft(actor, bulletin, expected_version)
    title, text = (title or "").strip(), (text or "").strip()
    errors = {}
    if not title or len(title) > 60:
        errors["title"] = _("请填写标题（不超过 60 字）。")
    if not text or len(text) > 2000:
        errors["text"] = _("请填写内容（不超过 2000 字）。")
    if errors:
        raise ValidationError(errors)
    count = current.stories.count()
    if count >= MAX_STORIES:
        raise ValidationError(_("每份简报最多 %(n)d 条事迹。") % {"n": MAX_STORIES})
    data = images.to_jpeg(photo) if photo else b""
    _bump(current, expected_version)
    story = BulletinStory.objects.create(
        bulletin=current, title=title, text=text, photo=data, position=count, created_by=actor
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=current,
        changes={"story": title, "photo": bool(data)},
        note=_("添加事迹"),
    )
    return story


@transaction.atomic
def remove_story(*, actor: Any, story: BulletinStory, expected_version: int) -> None:
    current = _locked_draft(actor, story.bulletin, expected_version)
    _bump(current, expected_version)
    title = story.title
    BulletinStory.objects.filter(pk=story.pk, bulletin=current).delete()
    audit.record(
        actor=actor, action=AuditAction.UPDATE, obj=current, changes={"story": title}, note=_("删除事迹")
    )


def render_html(bulletin: Bulletin, *, for_pdf: bool = False) -> str:
    stories = [
        {
            "title": s.title,
            "text": s.text,
            "photo": ("data:image/jpeg;base64," + base64.b64encode(bytes(s.photo)).decode())
            if s.photo
            else "",
        }
        for s in bulletin.stories.all()
    ]
    return render_to_string(
        "command/bulletin_print.html", {"bulletin": bulletin, "stories": stories, "for_pdf": for_pdf}
    )


def render_pdf(bulletin: Bulletin) -> tuple[bytes, int]:
    """The A4 PDF (WeasyPrint, CJK fonts embedded, as the daily report) and its number of pages."""
    from weasyprint import HTML

    document = HTML(string=render_html(bulletin, for_pdf=True)).render()
    return document.write_pdf(), len(document.pages)


def publish(*, actor: Any, bulletin: Bulletin, expected_version: int) -> Bulletin:
    """Typeset and freeze the draft. The PDF is made before the short write; a draft changed meanwhile, or
    published by someone else, is refused as a conflict."""
    _check(actor, bulletin.subdistrict_id)
    fresh = Bulletin.objects.get(pk=bulletin.pk)
    if fresh.status != BulletinStatus.DRAFT:
        raise ValidationError(_("简报已发布。"))
    if fresh.version != expected_version:
        raise ConflictError(CONFLICT, code="conflict")
    now = timezone.now()
    fresh.published_at = now  # printed under the title
    pdf, pages = render_pdf(fresh)
    with transaction.atomic():
        updated = Bulletin.objects.filter(
            pk=fresh.pk, version=expected_version, status=BulletinStatus.DRAFT
        ).update(
            status=BulletinStatus.PUBLISHED,
            published_at=now,
            published_by=actor,
            pdf=pdf,
            pages=pages,
            version=F("version") + 1,
            updated_at=now,
        )
        if updated != 1:
            raise ConflictError(CONFLICT, code="conflict")
        fresh.refresh_from_db()
        audit.record(
            actor=actor, action=AuditAction.UPDATE, obj=fresh, changes={"status": "published", "pages": pages}
        )
    return fresh

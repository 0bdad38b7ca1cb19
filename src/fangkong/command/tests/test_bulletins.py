"""Kept bulletins: a draft composed from the figures, opened again rather than duplicated, edited by HQ with
the version it was read at (a stale save is refused and changes nothing), stories with photos, publishing that
typesets an A4 PDF and freezes the bulletin, and the pages each role is offered."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fangkong.command import bulletins
from fangkong.command.models import Bulletin, BulletinStatus, BulletinStory
from fangkong.command.tests.test_reports import pdf_objects
from fangkong.core.exceptions import ConflictError
from fangkong.core.models import AuditEvent, DailyFigure
from fangkong.core.testing import tiny_jpeg

pytestmark = pytest.mark.django_db

TODAY = dt.date(2020, 2, 9)


def figures(world, day, **values):
    for key, value in values.items():
        DailyFigure.objects.create(subdistrict=world.sub, day=day, key=key.replace("__", "."), value=value)


@pytest.fixture
def week(world):
    monday = TODAY - dt.timedelta(days=6)
    figures(world, monday, registry__neighborhoods=34, pairing__cadres=100, inspections__firms_dissuaded=11)
    figures(world, TODAY, registry__neighborhoods=34, pairing__cadres=100, inspections__firms_dissuaded=20)
    figures(world, TODAY, masks__bookings=500)
    return world


def test_a_draft_is_composed_from_the_figures_and_opened_again_not_duplicated(week):
    w = week
    draft, created = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="week", day=TODAY)
    assert created and draft.status == BulletinStatus.DRAFT
    assert draft.start == TODAY - dt.timedelta(days=6) and draft.end == TODAY
    assert "100名下沉干部" in draft.lead and "34个居民区" in draft.lead
    texts = {s["title"]: s["text"] for s in draft.sections}
    assert "劝阻31家企业暂停营业" in texts["楼宇（园区）排摸"] and "受理口罩预约500户" in texts["口罩预约"]
    again, created_again = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="week", day=TODAY)
    assert (again.pk, created_again) == (draft.pk, False)
    assert Bulletin.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="command.bulletin", action="create").count() == 1


@pytest.mark.parametrize("persona", ["staff_a", "office", "auditor", "viewer", "other_hq", "cadre"])
def test_only_the_sub_districts_hq_drafts(week, persona):
    with pytest.raises(PermissionDenied):
        bulletins.draft(actor=getattr(week, persona), subdistrict=week.sub, period="day", day=TODAY)
    assert not Bulletin.objects.exists()


def test_an_edit_saves_the_wording_and_an_emptied_section_is_left_out(week):
    w = week
    draft, _ = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="week", day=TODAY)
    titles = [s["title"] for s in draft.sections]
    texts = ["改写后的第一段。"] + [""] * (len(titles) - 1)
    saved = bulletins.edit(
        actor=w.hq, bulletin=draft, expected_version=draft.version, title=" 新标题 ", lead="导语", texts=texts
    )
    saved.refresh_from_db()
    assert saved.title == "新标题" and saved.lead == "导语"
    assert saved.sections == [{"title": titles[0], "text": "改写后的第一段。"}]
    assert saved.version == draft.version + 1
    event = AuditEvent.objects.filter(object_type="command.bulletin", action="update").latest("pk")
    assert event.changes["title"] == [draft.title, "新标题"]


def test_a_stale_save_is_refused_and_changes_nothing(week):
    w = week
    draft, _ = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="day", day=TODAY)
    version = draft.version
    texts = [s["text"] for s in draft.sections]
    bulletins.edit(
        actor=w.hq, bulletin=draft, expected_version=version, title="甲的标题", lead="", texts=texts
    )
    with pytest.raises(ConflictError):
        bulletins.edit(
            actor=w.hq, bulletin=draft, expected_version=version, title="乙的标题", lead="", texts=texts
        )
    with pytest.raises(ConflictError):
        bulletins.add_story(actor=w.hq, bulletin=draft, expected_version=version, title="t", text="x")
    draft.refresh_from_db()
    assert draft.title == "甲的标题" and not draft.stories.exists()


@pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_people_saving_the_same_draft_at_once_one_wins(week):
    w = week
    draft, _ = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="day", day=TODAY)
    texts = [s["text"] for s in draft.sections]
    outcomes: list[str] = []

    def save(title: str) -> None:
        try:
            bulletins.edit(
                actor=w.hq, bulletin=draft, expected_version=draft.version, title=title, lead="", texts=texts
            )
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(f"标题{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert Bulletin.objects.get(pk=draft.pk).version == draft.version + 1


def test_a_story_keeps_a_resized_jpeg_and_a_file_that_is_not_an_image_is_refused(week):
    w = week
    draft, _ = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="day", day=TODAY)
    story = bulletins.add_story(
        actor=w.hq,
        bulletin=draft,
        expected_version=draft.version,
        title="郭文俊捐赠",
        text="捐赠取暖器一台。",
        photo=SimpleUploadedFile("big.png", tiny_jpeg(3000, 2000), content_type="image/png"),
    )
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(bytes(story.photo)))
    assert image.format == "JPEG" and max(image.size) == 1280
    draft.refresh_from_db()
    with pytest.raises(ValidationError):
        bulletins.add_story(
            actor=w.hq,
            bulletin=draft,
            expected_version=draft.version,
            title="坏照片",
            text="x",
            photo=SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg"),
        )
    with pytest.raises(ValidationError):
        bulletins.add_story(actor=w.hq, bulletin=draft, expected_version=draft.version, title="", text="x")
    assert list(BulletinStory.objects.values_list("title", flat=True)) == ["郭文俊捐赠"]


def test_publishing_typesets_an_a4_pdf_with_the_story_photo_and_freezes_the_bulletin(week):
    w = week
    draft, _ = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="week", day=TODAY)
    bulletins.add_story(
        actor=w.hq,
        bulletin=draft,
        expected_version=draft.version,
        title="燃气抢修",
        text="5.5小时。",
        photo=tiny_jpeg(),
    )
    draft.refresh_from_db()
    published = bulletins.publish(actor=w.hq, bulletin=draft, expected_version=draft.version)
    assert published.status == BulletinStatus.PUBLISHED and published.published_by == w.hq
    pdf = bytes(published.pdf)
    assert pdf.startswith(b"%PDF") and published.pages >= 1
    objects = pdf_objects(pdf)
    assert b"/Subtype /Image" in objects and b"/FontFile" in objects  # the photo and an embedded font
    assert re.search(rb"/MediaBox ?\[0 0 595\.\d* 841\.\d*\]", objects)  # A4
    with pytest.raises(ValidationError):
        bulletins.publish(actor=w.hq, bulletin=published, expected_version=published.version)
    with pytest.raises(ValidationError):
        bulletins.edit(
            actor=w.hq, bulletin=published, expected_version=published.version, title="x", lead="", texts=[]
        )
    # A new draft of the same period may be started once the earlier one is published.
    again, created = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="week", day=TODAY)
    assert created and again.pk != published.pk


def test_the_text_export_holds_the_sections_and_the_stories(week):
    w = week
    draft, _ = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="week", day=TODAY)
    bulletins.add_story(
        actor=w.hq, bulletin=draft, expected_version=draft.version, title="亮点", text="事迹正文"
    )
    text = Bulletin.objects.get(pk=draft.pk).plain()
    assert text.startswith(draft.title) and "劝阻31家企业暂停营业" in text and "【亮点】\n事迹正文" in text


def test_hq_works_a_bulletin_through_the_pages(week, client, monkeypatch):
    w = week
    monkeypatch.setattr(timezone, "localdate", lambda *a: TODAY)
    client.force_login(w.hq)
    preview = client.get(reverse("command:bulletin"), {"day": TODAY.isoformat(), "period": "week"})
    assert reverse("command:bulletin_draft").encode() in preview.content
    answer = client.post(
        reverse("command:bulletin_draft"), {"sub": w.sub.pk, "day": TODAY.isoformat(), "period": "week"}
    )
    bulletin = Bulletin.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "command:bulletin_detail", args=[bulletin.pk]
    )
    page = client.get(answer["Location"])
    assert reverse("command:bulletin_publish", args=[bulletin.pk]).encode() in page.content
    texts = [s["text"] for s in bulletin.sections]
    client.post(
        reverse("command:bulletin_edit", args=[bulletin.pk]),
        {"version": bulletin.version, "title": "江湾镇街道简报", "lead": "导语", "text": texts},
    )
    bulletin.refresh_from_db()
    assert bulletin.title == "江湾镇街道简报"
    client.post(
        reverse("command:bulletin_story_add", args=[bulletin.pk]),
        {
            "version": bulletin.version,
            "title": "郭文俊",
            "text": "捐赠",
            "photo": SimpleUploadedFile("p.jpg", tiny_jpeg()),
        },
    )
    bulletin.refresh_from_db()
    story = bulletin.stories.get()
    photo = client.get(reverse("command:bulletin_story_photo", args=[bulletin.pk, story.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    stale = client.post(
        reverse("command:bulletin_publish", args=[bulletin.pk]),
        {"version": bulletin.version - 1},
        follow=True,
    )
    assert "已被他人修改".encode() in stale.content
    assert Bulletin.objects.get(pk=bulletin.pk).is_draft
    client.post(reverse("command:bulletin_publish", args=[bulletin.pk]), {"version": bulletin.version})
    bulletin.refresh_from_db()
    assert not bulletin.is_draft
    pdf = client.get(reverse("command:bulletin_file", args=[bulletin.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", object_type="command.bulletin").exists()
    page = client.get(reverse("command:bulletin_detail", args=[bulletin.pk])).content
    assert reverse("command:bulletin_edit", args=[bulletin.pk]).encode() not in page


def test_readers_are_offered_no_edits(week, client):
    w = week
    draft, _ = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="day", day=TODAY)
    client.force_login(w.auditor)
    page = client.get(reverse("command:bulletin_detail", args=[draft.pk]))
    assert page.status_code == 200
    for name in ("bulletin_edit", "bulletin_publish", "bulletin_story_add", "bulletin_recompose"):
        assert reverse(f"command:{name}", args=[draft.pk]).encode() not in page.content
        assert (
            client.post(reverse(f"command:{name}", args=[draft.pk]), {"version": draft.version}).status_code
            == 404
        )
    assert client.get(reverse("command:bulletin_file", args=[draft.pk, "pdf"])).status_code == 404  # a draft
    client.force_login(w.other_hq)
    assert client.get(reverse("command:bulletin_detail", args=[draft.pk])).status_code == 404

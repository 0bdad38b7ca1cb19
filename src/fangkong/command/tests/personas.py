"""Persona expectations for the command app's pages (format: ``fangkong.core.tests.matrix``)."""

from __future__ import annotations

from fangkong.core.tests.matrix import LOGIN, Case, answers

READERS = dict(hq=200, staff_a=200, staff_b=200, office=200, viewer=200, auditor=200, other_hq=200)

EXPECTATIONS = {
    "command:dashboard": Case(get=answers(404, anonymous=LOGIN, **{**READERS, "viewer": 302})),
    "command:figure": Case(
        kwargs=lambda w: {"key": "returnees.fevers"}, get=answers(404, anonymous=LOGIN, **READERS)
    ),
}


def build(w):
    from django.utils import timezone

    from fangkong.command.services import generate_daily_report

    w.daily_report = generate_daily_report(actor=None, subdistrict=w.sub, day=timezone.localdate())
    _build_bulletins(w)


def _build_bulletins(w):
    """A draft with a story and its photo, and a published bulletin (its PDF stands in: publishing itself is
    tested in test_bulletins)."""
    import datetime as dt

    from django.utils import timezone

    from fangkong.command import bulletins
    from fangkong.command.models import Bulletin, BulletinStatus
    from fangkong.core.testing import tiny_jpeg

    today = timezone.localdate()
    w.bulletin_draft, _ = bulletins.draft(actor=w.hq, subdistrict=w.sub, period="day", day=today)
    w.bulletin_story = bulletins.add_story(
        actor=w.hq,
        bulletin=w.bulletin_draft,
        expected_version=w.bulletin_draft.version,
        title="郭文俊捐赠取暖器",
        text="公安街11弄居民郭文俊向志愿者服务点捐赠取暖器一台。",
        photo=tiny_jpeg(),
    )
    w.bulletin_draft.refresh_from_db()
    yesterday = today - dt.timedelta(days=1)
    w.bulletin_published = Bulletin.objects.create(
        subdistrict=w.sub,
        period="day",
        start=yesterday,
        end=yesterday,
        title="已发布的简报",
        status=BulletinStatus.PUBLISHED,
        published_at=timezone.now(),
        pdf=b"%PDF-1.7 stand-in",
        pages=1,
    )


REPORT_READERS = dict(hq=200, auditor=200, viewer=200)
EXPECTATIONS.update(
    {
        "command:reports": Case(get=answers(404, anonymous=LOGIN, other_hq=200, **REPORT_READERS)),
        "command:report": Case(
            kwargs=lambda w: {"pk": w.daily_report.pk}, get=answers(404, anonymous=LOGIN, **REPORT_READERS)
        ),
        "command:report_file": Case(
            kwargs=lambda w: {"pk": w.daily_report.pk, "fmt": "xlsx"},
            get=answers(404, anonymous=LOGIN, **REPORT_READERS),
        ),
        "command:report_generate": Case(
            get=answers(405, anonymous=LOGIN),
            post=answers(404, anonymous=LOGIN, hq=302),
            data=lambda w: {"subdistrict": w.sub.pk, "day": w.daily_report.day.isoformat()},
        ),
    }
)
EXPECTATIONS["command:bulletin"] = Case(get=answers(404, anonymous=LOGIN, other_hq=200, **REPORT_READERS))


# Writes post a stale version on purpose: HQ's answer is the redirect back with "changed by someone else",
# so the matrix never publishes or rewrites the shared draft; the writes themselves are in test_bulletins.
STALE = {"version": "0", "title": "标题", "text": "内容"}
HQ_ONLY_POST = answers(404, anonymous=LOGIN, hq=302)
EXPECTATIONS.update(
    {
        "command:bulletins": Case(get=answers(404, anonymous=LOGIN, other_hq=200, **REPORT_READERS)),
        "command:bulletin_draft": Case(
            get=answers(405, anonymous=LOGIN),
            post=HQ_ONLY_POST,
            data=lambda w: {"sub": w.sub.pk, "period": "day"},
        ),
        "command:bulletin_detail": Case(
            kwargs=lambda w: {"pk": w.bulletin_draft.pk}, get=answers(404, anonymous=LOGIN, **REPORT_READERS)
        ),
        "command:bulletin_story_photo": Case(
            kwargs=lambda w: {"pk": w.bulletin_draft.pk, "story": w.bulletin_story.pk},
            get=answers(404, anonymous=LOGIN, **REPORT_READERS),
        ),
        "command:bulletin_file": Case(
            kwargs=lambda w: {"pk": w.bulletin_published.pk, "fmt": "pdf"},
            get=answers(404, anonymous=LOGIN, **REPORT_READERS),
        ),
        "command:bulletin_story_remove": Case(
            kwargs=lambda w: {"pk": w.bulletin_draft.pk, "story": w.bulletin_story.pk},
            get=answers(405, anonymous=LOGIN),
            post=HQ_ONLY_POST,
            data=lambda w: STALE,
        ),
    }
)
for _name in ("bulletin_edit", "bulletin_recompose", "bulletin_publish", "bulletin_story_add"):
    EXPECTATIONS[f"command:{_name}"] = Case(
        kwargs=lambda w: {"pk": w.bulletin_draft.pk},
        get=answers(405, anonymous=LOGIN),
        post=HQ_ONLY_POST,
        data=lambda w: STALE,
    )

EXPECTATIONS["command:district"] = Case(get=answers(404, anonymous=LOGIN, viewer=200))
EXPECTATIONS["command:district_report"] = Case(
    kwargs=lambda w: {"fmt": "xlsx"}, get=answers(404, anonymous=LOGIN, viewer=200)
)

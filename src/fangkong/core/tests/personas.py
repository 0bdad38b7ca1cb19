"""Persona expectations for the core pages (home, sign-in, audit, policies, reveal, spreadsheets, language)
(format: ``fangkong.core.tests.matrix``)."""

from __future__ import annotations

from types import SimpleNamespace

from fangkong.core.tests.matrix import ALLOWED, LOGIN, Case, answers


def hq_upload(w: SimpleNamespace) -> str:
    """A fresh upload of the households template by HQ: its token (an upload belongs to its user)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.core import spreadsheets

    fmt = spreadsheets.get_format("households")
    assert fmt is not None
    buf = io.BytesIO()
    spreadsheets.template_xlsx(fmt, buf)
    upload = SimpleUploadedFile("住户.xlsx", buf.getvalue())
    return spreadsheets.UploadStore().save(user=w.hq, slug="households", upload=upload).token


def hq_export(w: SimpleNamespace) -> str:
    """A finished background export of HQ's households (an export belongs to its user)."""
    from fangkong.core import exports

    task = exports.start_export(user=w.hq, slug="households", total=2)
    exports.run_export(str(task.pk))
    return str(task.pk)


def dead_delivery(w: SimpleNamespace) -> int:
    """A notification of sub-district 江湾 whose delivery gave up (listed on the jobs page)."""
    from fangkong.core.choices import DeliveryStatus
    from fangkong.core.models import Notification

    return Notification.objects.create(
        kind="fever", subject="发热", subdistrict_id=w.sub.pk, delivery_status=DeliveryStatus.DEAD
    ).pk


EXPECTATIONS: dict[str, Case] = {
    "home": Case(get=answers(200, anonymous=LOGIN)),
    "healthz": Case(get=answers(200)),
    "login": Case(get=answers(302, anonymous=200), post=answers(ALLOWED)),
    "logout": Case(get=answers(405), post=answers(LOGIN)),
    "password_change": Case(get=answers(200, anonymous=LOGIN), post=answers(ALLOWED, anonymous=LOGIN)),
    "password_change_done": Case(get=answers(200, anonymous=LOGIN)),
    "account_unlock": Case(
        kwargs=lambda w: {"pk": w.staff_a.pk},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, anonymous=LOGIN),
    ),
    "accounts": Case(get=answers(404, hq=200, other_hq=200, anonymous=LOGIN)),
    "account_create": Case(
        get=answers(404, hq=200, other_hq=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN),
    ),
    "account_edit": Case(
        kwargs=lambda w: {"pk": w.staff_a.pk},
        get=answers(404, hq=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, anonymous=LOGIN),
    ),
    "account_active": Case(
        kwargs=lambda w: {"pk": w.staff_a.pk},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, anonymous=LOGIN),
        data=lambda w: {"active": "0"},
    ),
    "audit_log": Case(get=answers(200, cadre=404, org_contact=404, office=404, anonymous=LOGIN)),
    "policies": Case(
        get=answers(200, viewer=404, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN),
    ),
    "reveal": Case(
        kwargs=lambda w: {"label": "registry.resident", "pk": w.resident_a.pk, "field": "id_number"},
        get=answers(405, anonymous=LOGIN),
        post=answers(403, hq=ALLOWED, staff_b=404, org_contact=404, other_hq=404, anonymous=LOGIN),
    ),
    "set_language": Case(
        get=answers(302),
        post=answers(ALLOWED),
        data=lambda w: {"language": "en", "next": "/"},
    ),
    "io:index": Case(get=answers(200, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN)),
    "io:import": Case(
        kwargs=lambda w: {"slug": "households"},
        get=answers(200, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "io:preview": Case(
        kwargs=lambda w: {"slug": "households", "token": hq_upload(w)},
        get=answers(404, hq=200, anonymous=LOGIN),
    ),
    "io:commit": Case(
        kwargs=lambda w: {"slug": "households", "token": hq_upload(w)},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, anonymous=LOGIN),
    ),
    "io:done": Case(
        kwargs=lambda w: {"slug": "households", "token": hq_upload(w)},
        get=answers(404, hq=200, anonymous=LOGIN),
    ),
    "io:export": Case(
        kwargs=lambda w: {"slug": "households"},
        get=answers(200, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "io:template": Case(
        kwargs=lambda w: {"slug": "households"},
        get=answers(200, cadre=404, org_contact=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "inbox": Case(get=answers(200, anonymous=LOGIN)),
    "inbox_badge": Case(get=answers(200, anonymous=LOGIN)),
    "inbox_read": Case(get=answers(405, anonymous=LOGIN), post=answers(302, anonymous=LOGIN)),
    "jobs": Case(get=answers(404, hq=200, other_hq=200, auditor=200, anonymous=LOGIN)),
    "job_run": Case(
        kwargs=lambda w: {"name": "core.escalate"},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=302, other_hq=302, anonymous=LOGIN),
    ),
    "delivery_retry": Case(
        kwargs=lambda w: {"pk": dead_delivery(w)},
        get=answers(405, anonymous=LOGIN),
        post=answers(404, hq=302, anonymous=LOGIN),
    ),
    "io:task": Case(kwargs=lambda w: {"pk": hq_export(w)}, get=answers(404, hq=200, anonymous=LOGIN)),
    "io:export_download": Case(
        kwargs=lambda w: {"pk": hq_export(w)}, get=answers(404, hq=200, anonymous=LOGIN)
    ),
}

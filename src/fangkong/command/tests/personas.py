"""Persona expectations for the command app's pages (format: ``fangkong.core.tests.matrix``)."""

from __future__ import annotations

from fangkong.core.tests.matrix import LOGIN, Case, answers

READERS = dict(hq=200, staff_a=200, staff_b=200, office=200, viewer=200, auditor=200, other_hq=200)

EXPECTATIONS = {
    "command:dashboard": Case(get=answers(404, anonymous=LOGIN, **READERS)),
    "command:figure": Case(
        kwargs=lambda w: {"key": "returnees.fevers"}, get=answers(404, anonymous=LOGIN, **READERS)
    ),
}


def build(w):
    from django.utils import timezone

    from fangkong.command.services import generate_daily_report

    w.daily_report = generate_daily_report(actor=None, subdistrict=w.sub, day=timezone.localdate())


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

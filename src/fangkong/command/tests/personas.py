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

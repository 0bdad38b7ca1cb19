"""The returnees app's to-dos (``core.todos``): today's missed temperature reports and fevers, the pending
referrals and the isolations due to be signed off, each linked to the dashboard's list of exactly those."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.core import scope
from fangkong.core.choices import Domain
from fangkong.core.todos import DANGER, INFO, WARNING, Todo, figure_todo


def todos(user: Any, today: dt.date) -> list[Todo]:
    if not scope.works_in_domain(user, Domain.RETURNEES):
        return []
    return [
        *figure_todo(user, today, "returnees.missed_reports", severity=DANGER, label=_("今日漏报体温")),
        *figure_todo(user, today, "returnees.fevers", severity=DANGER),
        *figure_todo(user, today, "returnees.referrals_pending", severity=WARNING),
        *figure_todo(user, today, "returnees.to_sign_off", severity=INFO),
    ]

"""The missed-week rule of weekly deliveries, as a pure function (the selectors ask the database the same
question for many people at once; a test holds the two together).

A person is due in a week (Monday to Sunday) when they are in care, have a delivery day, and were taken into
care by that day. Once their delivery day is over (the day after it), the week is missed unless a visit of
that week reached them: delivered, or refused by the person themselves. A visit that found nobody at home
(不在家) does not count: for someone living alone that is exactly what the committee must follow up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from fangkong.care.choices import DeliveryOutcome

REACHED = (DeliveryOutcome.DELIVERED, DeliveryOutcome.REFUSED)


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


def due_day(week: dt.date, weekday: int) -> dt.date:
    return week + dt.timedelta(days=weekday)


def is_missed(
    *,
    active: bool,
    weekday: int | None,
    since: dt.date,
    deliveries: Iterable[tuple[dt.date, str]],
    week: dt.date,
    today: dt.date,
) -> bool:
    """Whether the week starting ``week`` (a Monday) is missed for this person, as seen on ``today``."""
    if not active or weekday is None:
        return False
    due = due_day(week, weekday)
    if since > due or due >= today:
        return False
    return not any(week_of(day) == week and outcome in REACHED for day, outcome in deliveries)

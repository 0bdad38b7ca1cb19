"""The bulletin (简报): a day's or a week's work in the seed article's register, composed by ``wording`` from the
catalogue's figures of the period.

Each section names the figure keys it reads. A key whose app has not registered it yet simply has no figure,
so its clause (and a section with nothing left) is left out until the app declares the key in its
``dashboard.py``; the keys below are the names those apps agree to use:

- ``registry.neighborhoods``, ``pairing.cadres`` (the lead);
- ``inspections.premises_visited``, ``inspections.firms_dissuaded``, ``inspections.forms_handed_out``,
  ``inspections.notices_posted`` (buildings and firms, as the article words it);
- ``care.briefing_attendees``, ``care.briefing_branches`` (the 微党课);
- ``pairing.checkins_done``, ``pairing.buildings_unowned``; ``masks.bookings``, ``masks.pickups``;
  ``returnees.declarations``, ``returnees.isolated``, ``returnees.fevers``.

Over a period a flow (bookings made) is summed over its days, a stock (people in isolation) is read on the
last day; the figures come from the daily snapshot, and from a live count for today when it has none yet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from fangkong.command.board import snapshot_provider
from fangkong.command.wording import Clause, Composed, Section, compose
from fangkong.core import catalogue
from fangkong.core.catalogue import STOCK

LEAD = Section(
    "",
    (
        Clause("pairing.cadres", "{n}名下沉干部下沉一线"),
        Clause("registry.neighborhoods", "覆盖全街道{n}个居民区"),
    ),
    lead="街道组织",
)

SECTIONS = (
    Section(
        "楼宇（园区）排摸",
        (
            Clause("inspections.premises_visited", "走访楼宇（园区）{n}处"),
            Clause("inspections.firms_dissuaded", "劝阻{n}家企业暂停营业"),
            Clause("inspections.forms_handed_out", "发放《健康状况信息登记表》{n}份"),
            Clause("inspections.notices_posted", "张贴《告知单》{n}份"),
        ),
        lead="楼宇（园区）排摸方面，",
    ),
    Section(
        "党建引领",
        (
            Clause("care.briefing_attendees", "{n}名党员参加“微党课”"),
            Clause("care.briefing_branches", "覆盖{n}个支部"),
            Clause("care.materials.letter", "转发《给居民朋友的一封信》{n}份"),
            Clause("care.materials.guide", "发放《疫情防控指南》{n}份"),
        ),
        lead="党建引领方面，",
    ),
    Section(
        "民生保障",
        (
            Clause("care.deliveries", "为独居老人送菜上门{n}次"),
            Clause("care.volunteer_sessions", "志愿者上岗服务{n}人次"),
            Clause("care.donations", "接收爱心捐赠{n}批"),
        ),
        lead="民生保障方面，",
    ),
    Section(
        "应急联动",
        (Clause("tickets.opened", "受理燃气、供水、电力等应急报修{n}起"),),
        lead="应急联动方面，",
    ),
    Section(
        "三结三定",
        (
            Clause("pairing.checkins_done", "完成楼栋消毒打卡{n}次"),
            Clause("pairing.buildings_unowned", "尚有{n}栋楼宇待落实包干"),
        ),
        lead="“三结三定”方面，",
    ),
    Section(
        "口罩预约",
        (
            Clause("masks.bookings", "受理口罩预约{n}户"),
            Clause("masks.pickups", "完成领取{n}户"),
        ),
        lead="口罩预约方面，",
    ),
    Section(
        "返沪人员管理",
        (
            Clause("returnees.declarations", "登记返沪人员{n}人"),
            Clause("returnees.isolated", "落实隔离观察{n}人"),
            Clause("returnees.fevers", "发现发热{n}人并及时转诊"),
        ),
        lead="返沪人员管理方面，",
    ),
)


def keys() -> set[str]:
    return {c.key for s in (LEAD, *SECTIONS) for c in s.clauses}


def period_figures(subdistrict_id: int, start: dt.date, end: dt.date) -> dict[str, float]:
    """The sub-district's figures of ``start``..``end``: flows summed over the days, stocks on the last day."""
    from fangkong.core.models import DailyFigure

    stocks = {fig.key for _fam, fig in catalogue.all_figures() if fig.kind == STOCK}
    by_day: dict[dt.date, dict[str, float]] = defaultdict(dict)
    for day, key, value in DailyFigure.objects.filter(
        subdistrict_id=subdistrict_id, neighborhood__isnull=True, day__gte=start, day__lte=end
    ).values_list("day", "key", "value"):
        by_day[day][key] = value
    today = timezone.localdate()
    if start <= today <= end and today not in by_day:
        by_day[today] = {
            key: value for hood, key, value in snapshot_provider(subdistrict_id, today) if hood is None
        }
    figures: dict[str, float] = defaultdict(float)
    last = max(by_day) if by_day else None
    for day, values in by_day.items():
        for key, value in values.items():
            if key in stocks:
                if day == last:
                    figures[key] = value
            else:
                figures[key] += value
    return dict(figures)


def period_of(day: dt.date, kind: str) -> tuple[dt.date, dt.date]:
    """A day, or the week of seven days that ends on it (a weekly bulletin written on Sunday covers Monday to
    Sunday; one written on any other day covers the seven days up to it)."""
    if kind == "week":
        return day - dt.timedelta(days=6), day
    return day, day


def title(subdistrict_name: str, start: dt.date, end: dt.date) -> str:
    span = f"{start:%Y年%m月%d日}" if start == end else f"{start:%Y年%m月%d日}—{end:%m月%d日}"
    return f"{subdistrict_name}疫情防控工作简报（{span}）"


def compose_bulletin(subdistrict: Any, start: dt.date, end: dt.date) -> Composed:
    figures = period_figures(subdistrict.pk, start, end)
    return compose(title=title(subdistrict.name, start, end), lead=LEAD, sections=SECTIONS, figures=figures)

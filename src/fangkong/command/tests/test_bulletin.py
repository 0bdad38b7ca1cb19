"""The bulletin's text: figures with their measure words, flows summed over a week and stocks read on its last
day, sections with nothing to report left out (never "0家"), keys of apps not yet registered left out too,
and the page with its text export."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.command import bulletin
from fangkong.command.wording import Clause, measure_after_slot
from fangkong.core.models import AuditEvent, DailyFigure

pytestmark = pytest.mark.django_db


def put(sub, day, **figures):
    for key, value in figures.items():
        DailyFigure.objects.create(subdistrict=sub, day=day, key=key.replace("__", "."), value=value)


def test_every_clause_has_its_measure_word():
    for section in (bulletin.LEAD, *bulletin.SECTIONS):
        for clause in section.clauses:
            assert isinstance(clause, Clause) and measure_after_slot(clause.template), clause


def test_the_seed_articles_figures_read_as_the_article_does(world):
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday() + 7)
    sunday = monday + dt.timedelta(days=6)
    put(world.sub, monday, registry__neighborhoods=34, pairing__cadres=100, inspections__premises_visited=10)
    put(world.sub, monday, inspections__firms_dissuaded=11, inspections__forms_handed_out=200)
    put(world.sub, sunday, registry__neighborhoods=34, pairing__cadres=100, inspections__premises_visited=12)
    put(world.sub, sunday, inspections__firms_dissuaded=20, inspections__forms_handed_out=252)
    put(world.sub, sunday, inspections__notices_posted=146, care__briefing_attendees=200)
    put(world.sub, sunday, care__briefing_branches=25)
    text = bulletin.compose_bulletin(world.sub, monday, sunday).plain()
    assert "街道组织100名下沉干部下沉一线，覆盖全街道34个居民区。" in text  # stocks: the last day, not summed
    assert (
        "走访楼宇（园区）22处，劝阻31家企业暂停营业，发放《健康状况信息登记表》452份，张贴《告知单》146份"
        in text
    )
    assert "200名党员参加“微党课”，覆盖25个支部" in text
    assert text.startswith(f"{world.sub.name}疫情防控工作简报（")
    # nothing else happened that week: no section says zero
    assert "口罩预约" not in text and "返沪人员管理" not in text and "三结三定" not in text
    assert not re.search(r"(?<![0-9])0[份家名户处人个次栋]", text)


def test_sections_with_nothing_to_report_are_left_out(world):
    day = timezone.localdate() - dt.timedelta(days=2)
    put(world.sub, day, masks__bookings=3, masks__pickups=0, inspections__firms_dissuaded=0)
    composed = bulletin.compose_bulletin(world.sub, day, day)
    assert [p.title for p in composed.paragraphs] == ["口罩预约"]
    assert composed.paragraphs[0].text == "口罩预约方面，受理口罩预约3户。"
    assert composed.lead == "" and "0家" not in composed.plain()


def test_today_is_counted_live_when_there_is_no_snapshot_yet(world, client):
    from fangkong.registry.models import Neighborhood

    n = Neighborhood.objects.filter(subdistrict=world.sub).count()
    composed = bulletin.compose_bulletin(world.sub, timezone.localdate(), timezone.localdate())
    assert f"覆盖全街道{n}个居民区" in composed.lead
    client.force_login(world.hq)
    page = client.get(reverse("command:bulletin"), {"period": "week"})
    assert page.status_code == 200 and f"覆盖全街道{n}个居民区" in page.content.decode()
    text = client.get(reverse("command:bulletin"), {"format": "txt"})
    assert text["Content-Type"].startswith("text/plain") and "疫情防控工作简报" in text.content.decode()
    assert AuditEvent.objects.filter(action="export", note="bulletin").exists()


def test_the_declared_keys_include_the_agreed_names():
    assert {
        "inspections.premises_visited",
        "inspections.firms_dissuaded",
        "inspections.forms_handed_out",
        "inspections.notices_posted",
        "care.briefing_attendees",
        "care.briefing_branches",
        "pairing.cadres",
        "registry.neighborhoods",
    } <= bulletin.keys()


def test_every_clause_reads_a_declared_figure():
    from fangkong.core import catalogue

    assert bulletin.keys() <= {fig.key for _fam, fig in catalogue.all_figures()}

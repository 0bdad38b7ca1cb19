"""The bulletin checked against the seed article: with the demo data, the week's bulletin carries the
article's figures (100 cadres and 34 neighborhoods; 22 premises, 31 firms dissuaded, 452 forms and 146
notices; about 200 members from 25 branches at the 微党课)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from fangkong.command import bulletin
from fangkong.project import demo

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demos_weekly_bulletin_carries_the_articles_figures():
    result = demo.build_demo(scale="tiny", seed=2020)
    sub = result.subdistricts[0]
    start, end = bulletin.period_of(timezone.localdate() - dt.timedelta(days=1), "week")
    text = bulletin.compose_bulletin(sub, start, end).plain()
    assert "街道组织100名下沉干部下沉一线，覆盖全街道34个居民区。" in text
    assert (
        "楼宇（园区）排摸方面，走访楼宇（园区）22处，劝阻31家企业暂停营业，"
        "发放《健康状况信息登记表》452份，张贴《告知单》146份。" in text
    )
    found = re.search(r"(\d+)名党员参加“微党课”，覆盖(\d+)个支部", text)
    assert found, text
    assert 180 <= int(found.group(1)) <= 220 and int(found.group(2)) == 25

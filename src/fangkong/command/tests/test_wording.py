"""The bulletin's Chinese: numerals, measure words, and sections that leave out what has nothing to report."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.command.wording import Clause, Section, chinese_number, compose, measure_after_slot

VALUES = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}


def parse(text: str) -> int:
    """Chinese numerals back to an integer, written independently of the module under test."""
    total = section = digit = 0
    for ch in text:
        if ch in VALUES:
            digit = VALUES[ch]
        elif ch in UNITS:
            section += (digit or 1) * UNITS[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10000
            section = digit = 0
        else:
            raise ValueError(ch)
    return total + section + digit


@given(st.integers(min_value=0, max_value=10**8 - 1))
def test_chinese_numerals_read_back_to_the_number(n):
    assert parse(chinese_number(n)) == n
    assert parse(chinese_number(n, before_measure=False)) == n


@given(st.integers(min_value=1, max_value=10**8 - 1))
def test_numerals_are_well_formed(n):
    text = chinese_number(n, before_measure=False)
    assert "零零" not in text and not text.endswith("零") and not text.startswith("零")
    assert "两" not in text
    if 10 <= n < 20:
        assert text.startswith("十")  # 十二, not 一十二


@pytest.mark.parametrize(
    "n, text",
    [
        (2, "两"),
        (4, "四"),
        (12, "十二"),
        (22, "二十二"),
        (105, "一百零五"),
        (110, "一百一十"),
        (200, "二百"),
        (2000, "两千"),
        (10500, "一万零五百"),
        (10010, "一万零一十"),
        (22000, "两万二千"),
        (110000, "十一万"),
    ],
)
def test_counts_before_a_measure_word(n, text):
    assert chinese_number(n) == text


def test_numbers_outside_the_range_are_refused():
    with pytest.raises(ValueError):
        chinese_number(-1)
    with pytest.raises(ValueError):
        chinese_number(10**8)


def test_every_clause_needs_one_slot_followed_by_a_measure_word():
    assert measure_after_slot("劝阻{n}家企业暂停营业") == "家"
    assert measure_after_slot("用时{n}小时") == "小时"
    with pytest.raises(ValueError):
        Clause("x", "劝阻{n}企业")  # no measure word
    with pytest.raises(ValueError):
        Clause("x", "劝阻企业")  # no slot
    with pytest.raises(ValueError):
        Clause("x", "{n}家{n}家")


FIRMS = Section(
    "楼宇（园区）排摸",
    (
        Clause("premises", "走访楼宇（园区）{n}处"),
        Clause("dissuaded", "劝阻{n}家企业暂停营业"),
        Clause("forms", "发放《健康状况信息登记表》{n}份"),
        Clause("notices", "张贴《告知单》{n}份"),
    ),
)


def test_a_section_writes_the_seed_articles_sentence():
    figures = {"premises": 22, "dissuaded": 31, "forms": 452, "notices": 146}
    assert FIRMS.text(figures) == (
        "走访楼宇（园区）22处，劝阻31家企业暂停营业，发放《健康状况信息登记表》452份，张贴《告知单》146份。"
    )


def test_a_clause_with_nothing_is_left_out_never_zero():
    text = FIRMS.text({"premises": 22, "dissuaded": 0, "forms": 452})
    assert text == "走访楼宇（园区）22处，发放《健康状况信息登记表》452份。"
    assert "0家" not in (text or "")


def test_chinese_numerals_in_a_clause():
    assert Clause("speakers", "{n:cn}位老师一一作了解答").text({"speakers": 4}) == "四位老师一一作了解答"
    assert Clause("speakers", "{n:cn}名党员").text({"speakers": 2}) == "两名党员"


@given(
    st.dictionaries(
        st.sampled_from(["premises", "dissuaded", "forms", "notices", "other"]), st.integers(0, 10**6)
    )
)
def test_sections_with_nothing_to_report_are_left_out(figures):
    other = Section("其他", (Clause("other", "其他{n}件"),))
    lead = Section("", (Clause("premises", "共走访{n}处"),))
    composed = compose(title="简报", lead=lead, sections=[FIRMS, other], figures=figures)
    titles = [p.title for p in composed.paragraphs]
    assert ("楼宇（园区）排摸" in titles) == any(figures.get(k, 0) > 0 for k in FIRMS.keys)
    assert ("其他" in titles) == (figures.get("other", 0) > 0)
    text = composed.plain()
    for value in figures.values():
        if value > 0:
            assert str(value) in text
    assert re.search(r"(?<!\d)0(?=[份家处件])", text) is None
    assert (composed.lead != "") == (figures.get("premises", 0) > 0)

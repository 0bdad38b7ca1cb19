"""Name normalisation and zone mapping: pure functions, tested with generated names and addresses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.inspections.addresses import (
    Boundary,
    Place,
    address_key,
    index_rules,
    name_key,
    parse_address,
    zone_for,
    zone_in_index,
)

WORDS = st.text(alphabet="江湾万安虹丰联创科技信息文化商贸中图蓝桥", min_size=2, max_size=8)
ROADS = st.sampled_from(["万安路", "沽源路", "汶水东路", "纪念路", "车站南路"])
NORTH, SOUTH = 1, 2
WANAN = [Boundary("万安路", NORTH, parity="odd"), Boundary("万安路", SOUTH, parity="even")]


def to_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(
    core=WORDS,
    form=st.sampled_from(["有限公司", "有限责任公司"]),
    city=st.sampled_from(["", "上海", "上海市"]),
    spaces=st.sampled_from(["", " ", "　"]),
)
def test_name_key_ignores_city_spaces_and_legal_form_variants(core, form, city, spaces):
    assert name_key(f"{city}{spaces}{core}{spaces}{form}") == name_key(f"{core}有限公司")


@given(core=WORDS, other=WORDS)
def test_different_names_keep_different_keys(core, other):
    if core != other:
        assert name_key(core + "有限公司") != name_key(other + "有限公司")


@given(
    road=ROADS,
    number=st.integers(1, 9999),
    prefix=st.sampled_from(["", "上海市虹口区", "江湾镇街道"]),
    wide=st.booleans(),
    tail=st.sampled_from(["", "3楼", "甲", "301室"]),
)
def test_parse_address_finds_road_and_number(road, number, prefix, wide, tail):
    digits = to_full_width(str(number)) if wide else str(number)
    place = parse_address(f"{prefix}{road}{digits}号{tail}")
    assert place == Place(road, number)
    assert address_key(f"{prefix}{road}{digits}号") == address_key(f"{road}{number}号")


@given(number=st.integers(1, 2000))
def test_wanan_road_sides(number):
    """万安路: odd numbers are north of the road, even south; an address with a leading place name maps alike."""
    expected = NORTH if number % 2 else SOUTH
    index = index_rules(WANAN)
    assert zone_for(WANAN, Place("万安路", number)) == expected
    assert zone_in_index(index, parse_address(f"中图蓝桥万安路{number}号")) == expected


@settings(max_examples=200)
@given(number=st.integers(1, 2000), split=st.integers(2, 1999), rows=st.permutations(range(3)))
def test_narrowest_range_wins_whatever_the_order(number, split, rows):
    rules = [
        Boundary("沽源路", NORTH),  # the whole road
        Boundary("沽源路", SOUTH, from_number=split),  # the southern part
        Boundary("沽源路", 3, from_number=split, to_number=split + 10, parity="even"),  # an exception
    ]
    ordered = [rules[i] for i in rows]
    if split <= number <= split + 10 and number % 2 == 0:
        expected = 3
    elif number >= split:
        expected = SOUTH
    else:
        expected = NORTH
    assert zone_for(ordered, Place("沽源路", number)) == expected


def test_no_rule_no_zone():
    assert zone_for(WANAN, Place("沽源路", 5)) is None
    assert zone_in_index(index_rules(WANAN), Place("", None)) is None
    assert parse_address("江湾镇某处") == Place("", None)

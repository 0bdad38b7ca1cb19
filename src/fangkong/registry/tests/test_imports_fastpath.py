"""Cell parsing helpers of the import engine (the personal-data fast path is tested in
core/tests/test_personal.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from fangkong.core.spreadsheets import cell_text, parse_bool, parse_date


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (None, ""),
        (13812345678.0, "13812345678"),
        (12.5, "12.5"),
        (dt.date(2020, 2, 10), "2020-02-10"),
        (" a ", "a"),
    ],
)
def test_cell_text(raw, text):
    assert cell_text(raw) == text


def test_parse_helpers():
    assert parse_bool("是") is True and parse_bool("否") is False
    assert parse_date("2020/2/10") == dt.date(2020, 2, 10)
    with pytest.raises(ValidationError):
        parse_bool("maybe")
    with pytest.raises(ValidationError):
        parse_date("2020-13-01")

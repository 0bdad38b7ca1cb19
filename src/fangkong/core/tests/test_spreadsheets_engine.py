"""The spreadsheet engine's row parser gives exactly what each column's parse gives, caches or not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from fangkong.core.choices import DocumentType
from fangkong.core.spreadsheets import (
    FORMULA_TRIGGERS,
    Column,
    Report,
    RowParser,
    SpreadsheetFormat,
    cell_text,
    from_cell,
    parse_bool,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
    read_rows,
    reimported,
    to_cell,
    tuned_connection,
    write_xlsx,
)
from fangkong.core.testing import FORMULA_PAYLOADS, ooxml_text, xlsx_texts

COLUMNS = (
    Column("pk", "编号", parse=parse_int),
    Column("name", "姓名", True, parse_text(4)),
    Column("doc", "证件类型", parse=parse_choice(DocumentType), default=DocumentType.RESIDENT_ID),
    Column("birth", "出生日期", parse=parse_date),
    Column("party", "党员", parse=parse_bool, default=False),
    Column("plain", "备注", default=""),
    Column("absent", "未出现的列", default="默认"),
)
MAPPING = [(i, c) for i, c in enumerate(COLUMNS[:-1])]

CELL = st.one_of(
    st.none(),
    st.sampled_from(
        ["", " ", "是", "否", "maybe", "护照", "居民身份证", "x", "2020-02-10", "2020/2/30", "12"]
    ),
    st.sampled_from(["-1", "abc", " 张三 ", "张三丰李四", "李"]),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.text(max_size=6),
)


def reference(number, cells, report):
    """The plain definition: strip each cell to text, then call its column's parse."""
    texts = [(c, cell_text(cells[i]) if i < len(cells) else "") for i, c in MAPPING]
    if not any(t for _c, t in texts):
        return None
    values, problems = {}, []
    for column, text in texts:
        if not text:
            if column.required:
                problems.append((column.header, "必填项为空。"))
            values[column.key] = column.default
        elif column.parse is None:
            values[column.key] = text
        else:
            try:
                values[column.key] = column.parse(text)
            except ValidationError as exc:
                problems.append((column.header, "；".join(str(m) for m in exc.messages)))
                values[column.key] = None
    values["absent"] = "默认"
    return values, problems


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(CELL, min_size=0, max_size=7), min_size=1, max_size=12))
def test_row_parser_matches_the_column_parse_functions(rows):
    parser = RowParser(MAPPING, COLUMNS)  # one parser for all rows: its caches are shared across rows
    for number, cells in enumerate(rows, start=2):
        report = Report()
        row = parser(number, cells, report)
        expected = reference(number, cells, Report())
        if expected is None:
            assert row is None
            continue
        assert row is not None
        assert row.values == expected[0]
        assert [(p.column, p.message) for p in report.errors] == expected[1]
        assert row.ok == (not expected[1])


def test_cached_columns_report_every_bad_cell_in_the_current_language():
    parser = RowParser(MAPPING, COLUMNS)
    report = Report()
    with translation.override("zh-hans"):
        first = parser(2, [None, "张三", "", "2020-13-01", "是"], report)
        assert parser(3, [None, "李四", "", "2020-02-10", "是"], report).values["birth"] == dt.date(
            2020, 2, 10
        )
    with translation.override("en"):
        second = parser(4, [None, "王五", "", "2020-13-01", "是"], report)
    assert first is not None and second is not None and not first.ok and not second.ok
    assert [(p.row, p.column) for p in report.errors] == [(2, "出生日期"), (4, "出生日期")]
    assert report.errors[0].message != report.errors[1].message  # the second is in English


def test_memoised_parse_functions_are_marked():
    assert getattr(parse_date, "memo", False) and getattr(parse_bool, "memo", False)
    assert getattr(parse_choice(DocumentType), "memo", False)
    assert getattr(parse_text(7), "max_length", None) == 7
    with pytest.raises(ValidationError):
        parse_text(2)("abc")


@pytest.mark.django_db(transaction=True)
def test_tuned_connection_restores_the_sqlite_settings():
    if connection.vendor != "sqlite":
        with tuned_connection():
            pass
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        with tuned_connection():
            cursor.execute("PRAGMA cache_size")
            assert cursor.fetchone()[0] != before
            cursor.execute("PRAGMA temp_store")
            assert cursor.fetchone()[0] == 2  # MEMORY
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == before
        cursor.execute("PRAGMA temp_store")
        assert cursor.fetchone()[0] != 2


# ------------------------------------------------------------------------------- formula injection


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=8),
        st.builds("".join, st.lists(st.sampled_from([*"=+-@\t\r'#N/A x", "_x000D_", "_x005F_"]), max_size=6)),
    )
)
def test_no_text_is_written_as_a_formula_and_the_import_reads_it_back(text):
    stored = ooxml_text(to_cell(text))  # what a spreadsheet program and the import see in the cell
    assert reimported(text) == from_cell(stored)
    assert stored[:1] not in FORMULA_TRIGGERS
    assert stored not in ("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")
    if stored == text:
        assert from_cell(stored) == text.strip()  # untouched text: the usual trimming
    else:
        assert stored == "'" + text and from_cell(stored) == text  # escaped: back verbatim


def test_write_xlsx_escapes_text_cells_only_and_the_engine_reads_them_back(tmp_path):
    class Plain(SpreadsheetFormat):
        slug = "plain"
        title = "plain"
        columns = (
            Column("text", "文字", True),
            Column("number", "数字"),
            Column("when", "日期"),
        )

    rows = [[payload, -5 - i, dt.date(2020, 2, 10)] for i, payload in enumerate(FORMULA_PAYLOADS)]
    rows.append(["-5", -2.5, None])
    path = tmp_path / "out.xlsx"
    write_xlsx(Plain(), rows, path)
    assert xlsx_texts(path) == ["文字", "数字", "日期", *FORMULA_PAYLOADS, "-5"]
    sheet = load_workbook(path).worksheets[0]
    numbers = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "n" for c in numbers)  # numbers stay numbers, negative ones too
    assert [c.value for c in numbers] == [r[1] for r in rows]
    headers, body = read_rows(path)
    parse = RowParser([(0, Plain.columns[0])], Plain.columns)
    texts = [parse(number, cells, Report()).values["text"] for number, cells in body]
    assert texts == [*FORMULA_PAYLOADS, "-5"]


def test_template_cells_are_never_formulas(tmp_path):
    from fangkong.core.spreadsheets import all_formats, template_xlsx

    for fmt in all_formats():
        path = tmp_path / f"{fmt.slug}.xlsx"
        template_xlsx(fmt, path)
        xlsx_texts(path)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(max_size=12), min_size=1, max_size=5),
    day=st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2099, 12, 31)),
    number=st.integers(-(10**12), 10**12),
)
def test_the_streaming_writer_keeps_the_workbook_the_export_had(tmp_path_factory, texts, day, number):
    """write_xlsx streams its own XML: openpyxl still reads the sheet's title, bold header (required ones in
    red, grey fill), widths, the frozen header row, dates as dates, numbers as numbers, and every text back as
    the import reads it (control characters included, as OOXML escapes)."""

    class Plain(SpreadsheetFormat):
        slug = "plain"
        title = "平面"
        columns = (Column("text", "文字", True, width=30), Column("number", "数字"), Column("when", "日期"))

    path = tmp_path_factory.mktemp("w") / "out.xlsx"
    rows = [[text, number, day] for text in texts]
    assert write_xlsx(Plain(), rows, path) == len(rows)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet.title == "平面" and sheet.freeze_panes == "A2"
    head = [sheet.cell(1, i) for i in (1, 2, 3)]
    assert [c.value for c in head] == ["文字", "数字", "日期"]
    assert all(c.font.b for c in head) and head[0].font.color.rgb.endswith("C00000")
    assert head[1].fill.fgColor.rgb.endswith("F2F2F2") and sheet.column_dimensions["A"].width == 30
    _headers, body = read_rows(path)
    assert [from_cell(cells[0]) if cells else "" for _n, cells in body] == [reimported(t) for t in texts]
    for i in range(2, len(texts) + 2):
        assert sheet.cell(i, 2).value == number
        assert sheet.cell(i, 3).value.date() == day and sheet.cell(i, 3).is_date

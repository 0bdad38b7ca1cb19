"""Spreadsheet cells: the text of a cell, formula escaping (OWASP "CSV injection") and the parse functions
of columns. Part of ``core.spreadsheets`` (which re-exports every name); imports nothing of it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import override

_P = TypeVar("_P", bound=Callable[..., Any])


# ---------------------------------------------------------------------------------------------- cells


def cell_text(value: Any) -> str:
    """A cell as text: numbers typed into Excel (13812345678.0) lose their ``.0``; dates become ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# Formula injection (OWASP "CSV injection"). A text that begins with one of these could be taken for a
# formula by a spreadsheet program (openpyxl itself writes a text starting with "=" as a live formula), and
# a text equal to an error code would be written as an error cell. Such a text is written with a leading
# apostrophe: the cell is an ordinary text cell, Excel and LibreOffice show the apostrophe and the text as
# it is, never run it, and it stays text when someone edits the cell or saves the sheet as CSV. The import
# drops that one apostrophe and takes the rest verbatim (a leading tab or CR included), so an export
# re-imports unchanged. A text that itself begins with an apostrophe followed by one of these gets a second
# apostrophe, so the escaping can always be undone exactly. Only text is escaped: numbers stay numbers.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_AFTER_QUOTE = FORMULA_TRIGGERS | {"'"}
_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
_RISKY_FIRST = frozenset(FORMULA_TRIGGERS | {"'", "#"})


def _is_escaped(text: str) -> bool:
    return text[:1] == "'" and (text[1:2] in _AFTER_QUOTE or text[1:] in _ERROR_CODES)


def _needs_quote(text: str) -> bool:
    return text[:1] in _RISKY_FIRST and (
        text[0] in FORMULA_TRIGGERS or text in _ERROR_CODES or _is_escaped(text)
    )


_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def to_cell(value: Any) -> Any:
    """A value as the platform writes it into a cell: text that a spreadsheet program could run as a
    formula (or read as an error code) gets a leading apostrophe; every other value is unchanged.

    A carriage return is written as OOXML's ``_x000D_`` (XML would turn a raw one into a line feed), and a
    literal ``_xHHHH_`` in the text is protected the same way, so the text reads back exactly."""
    if value.__class__ is not str or not value:
        return value
    if _needs_quote(value):
        value = "'" + value
    if "\r" in value or "_x" in value:
        value = _OOXML_ESCAPE.sub(r"_x005F_\1", value).replace("\r", "_x000D_")
    return value


def sheet_row(values: Iterable[Any]) -> list[Any]:
    """One row of cell values for ``Worksheet.append``; every xlsx the platform writes goes through it."""
    return [to_cell(v) if v.__class__ is str else v for v in values]


def reimported(value: Any) -> str:
    """The text the import reads back from a cell that the platform wrote ``value`` into."""
    if value.__class__ is str and _needs_quote(value):
        return value  # escaped on the way out, taken verbatim on the way in
    return cell_text(value)


def from_cell(value: Any) -> str:
    """A cell as the import reads it: a text escaped by ``to_cell`` loses its apostrophe and is taken
    verbatim; anything else is ``cell_text``."""
    if value.__class__ is str and value[:1] == "'" and _is_escaped(value):
        return value[1:]
    return cell_text(value)


def parse_text(max_length: int = 200) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise ValidationError(_("内容过长，最多 %(n)d 个字。") % {"n": max_length}, code="too_long")
        return value

    parse.max_length = max_length  # type: ignore[attr-defined]  # the engine checks the length inline
    return parse


def memoized(parse: _P) -> _P:
    """Mark a pure parse function (its result depends only on the text): the engine caches its results
    per column within one run. Only accepted values are cached; a rejected text is parsed again, so its
    message is always produced in the current language."""
    parse.memo = True  # type: ignore[attr-defined]
    return parse


@memoized
def parse_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(_("应为整数。"), code="int")
    if number < 0:
        raise ValidationError(_("不能为负数。"), code="negative")
    return number


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "t", "党员"}
_FALSE = {"否", "n", "no", "false", "0", "×", "f", "非党员"}


@memoized
def parse_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValidationError(_("请填写“是”或“否”。"), code="bool")


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


@memoized
def parse_date(value: str) -> dt.date:
    text = value.split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(_("日期格式不正确，例如 2020-02-10。"), code="date")


def parse_choice(choices: type[models.TextChoices]) -> Callable[[str], str]:
    """Accept a choice's Chinese label, its English label or its stored value."""
    mapping: dict[str, str] = {}
    for lang in ("en", "zh-hans"):
        with override(lang):
            for value, label in choices.choices:
                mapping[str(label).lower()] = value
    for value in choices.values:
        mapping[str(value).lower()] = value

    def parse(text: str) -> str:
        found = mapping.get(text.lower())
        if found is None:
            with override("zh-hans"):
                allowed = "、".join(str(label) for label in choices.labels)
            raise ValidationError(_("取值应为：%(allowed)s。") % {"allowed": allowed}, code="choice")
        return found

    return memoized(parse)


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The Chinese label of a stored choice value (exports always use Chinese); kept once computed."""
    if not value:
        return ""
    key = (choices, value)
    label = _CHOICE_LABELS.get(key)
    if label is None:
        with override("zh-hans"):
            label = _CHOICE_LABELS[key] = str(choices(value).label)
    return label


_CHOICE_LABELS: dict[tuple[type, str], str] = {}

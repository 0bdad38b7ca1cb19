"""Columns and helpers shared by the registry's spreadsheet formats (``registry.imports``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from fangkong.core import crypto
from fangkong.core.choices import Role
from fangkong.core.spreadsheets import (
    Column,
    memoized,
    parse_int,
)
from fangkong.core.validators import validate_name

# ---------------------------------------------------------------------------------------- columns


@memoized
def parse_name(value: str) -> str:
    """A person's name column: control and invisible characters, U+FFFD and over-long names are a row error
    (``validate_name``), never stored mangled. The text itself is kept: the engine has already stripped it,
    unless it came escaped from an export (taken verbatim so that an export re-imports unchanged)."""
    validate_name(value)
    return value


# ---------------------------------------------------------------------------------------- helpers


def _masked(text: str | None) -> bool:
    return bool(text) and "*" in str(text)


PK_COLUMN = Column(
    "pk", "编号", parse=parse_int, note=gettext_lazy("系统记录编号，导出时生成；新增记录请留空。"), width=9
)

_IMPORT_ROLES = (Role.HQ, Role.OFFICE, Role.STAFF)


def _may_reveal(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or getattr(user, "may_reveal_personal_data", False))


def _plain(token: str, masked: str, reveal: bool) -> str:
    if not token:
        return ""
    return crypto.decrypt(token) if reveal else masked

"""Spreadsheet files: the checks an uploaded xlsx passes before it is kept or parsed (zip bomb, cell
references over the caps) and the row reader (python-calamine). Part of ``core.spreadsheets`` (which
re-exports every name); it depends only on ``core.spreadsheet_cells``."""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from fangkong.core.spreadsheet_cells import cell_text

# Zip-bomb limits, checked before a file is parsed (settings override them, see ``_limit``).
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # declared uncompressed size of all members together
MAX_ZIP_RATIO = 200  # uncompressed / compressed, for members over 1 MiB (real sheets: about 10)
MAX_ZIP_MEMBERS = 2000


class FileError(Exception):
    """The file as a whole cannot be read (not xlsx, empty, wrong headers). ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Capped(Protocol):
    """What the upload check needs of a format: its title and caps."""

    @property
    def title(self) -> Any: ...

    @property
    def max_columns(self) -> int: ...

    def row_limit(self) -> int: ...


Source = str | os.PathLike[str] | bytes  # a path, or the file's bytes (a decrypted upload)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _open_zip(source: Source) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileError(_("文件不是有效的 xlsx 表格，请用模板填写后上传。"))


def check_zip(source: Source) -> None:
    """Refuse a zip bomb from its directory alone (no decompression): too many members, a declared
    uncompressed size over the limit, or a compression ratio no spreadsheet has. The xlsx reader stops at a
    member's declared size, so these figures bound what parsing can inflate."""
    with _open_zip(source) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise FileError(_("文件结构异常（压缩包内文件过多），已拒绝。"))
        limit = _limit("FANGKONG_IMPORT_MAX_UNZIPPED_BYTES", MAX_UNZIPPED_BYTES)
        ratio = _limit("FANGKONG_IMPORT_MAX_ZIP_RATIO", MAX_ZIP_RATIO)
        total = 0
        for member in members:
            total += member.file_size
            too_dense = member.file_size > (1 << 20) and member.file_size > ratio * max(
                member.compress_size, 1
            )
            if total > limit or too_dense:
                raise FileError(
                    _(
                        "文件解压后过大或压缩比异常（疑似压缩炸弹），已拒绝。解压后上限 %(mb)d MB，请分批导入。"
                    )
                    % {"mb": limit // (1 << 20)}
                )


def _refs_pattern(max_row: int, max_column: int) -> re.Pattern[bytes]:
    """Cell and row references that may be over the caps: a column with more letters than the last
    allowed one, or a row number with at least as many digits as the row cap (checked exactly after)."""
    from openpyxl.utils import get_column_letter

    letters = len(get_column_letter(max_column)) + 1
    digits = len(str(max_row)) - 1
    return re.compile(
        f"""r=["'](?:[A-Z]{{{letters}}}|[A-Z]{{0,3}}0*([1-9][0-9]{{{digits},}})["'])""".encode()
    )


def _spaced_refs_pattern(pattern: re.Pattern[bytes]) -> re.Pattern[bytes]:
    """The same references written with XML's optional white space around ``=`` (``r = "J200000"``),
    which the reader accepts too. Only asked of a chunk that has white space next to an ``=``, since the
    writers of real spreadsheets never put any there (a literal search keeps the common case fast)."""
    return re.compile(pattern.pattern.replace(b"r=", rb"\br[ \t\r\n]*=[ \t\r\n]*", 1))


_SPACED_EQUALS = (b" =", b"= ", b"\t=", b"=\t", b"\n=", b"=\n", b"\r=", b"=\r")


def check_upload(source: Source, fmt: Capped) -> None:
    """All checks before an upload is kept: ``check_zip``, then every worksheet's cell and row references
    against the format's row and column caps. The reader sizes a sheet by its furthest cell, so one cell at
    XFD1048576 would make it allocate billions of cells; this scan reads the sheets once, in 1 MiB chunks,
    without parsing them (about a second for 100,000 rows). The column cap holds up to the last column with
    as many letters (Z for 26); the header width is checked exactly when the file is read."""
    check_zip(source)
    max_row = fmt.row_limit() + 100  # the header and some blank rows
    pattern = _refs_pattern(max_row, fmt.max_columns)
    spaced = _spaced_refs_pattern(pattern)
    with _open_zip(source) as archive:
        for member in archive.infolist():
            if not member.filename.startswith("xl/worksheets/"):
                continue
            try:
                with archive.open(member) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        window = tail + chunk
                        found = list(pattern.finditer(window))
                        if any(mark in window for mark in _SPACED_EQUALS):
                            found += spaced.finditer(window)
                        if any(m[1] is None or int(m[1]) > max_row for m in found):
                            raise FileError(
                                _(
                                    "表格超出“%(title)s”的上限：最多 %(rows)d 行数据、%(cols)d 列。请分批导入。"
                                )
                                % {"title": fmt.title, "rows": fmt.row_limit(), "cols": fmt.max_columns}
                            )
                        tail = chunk[-40:]
            except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, zlib.error):
                # a member larger than declared fails its CRC here; an unknown compression, a cut file
                raise FileError(_("无法读取该文件，请确认是 xlsx 格式且未损坏。"))


def read_rows(source: Source) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Open the first sheet with python-calamine: (headers, iterator of (row number, cells))."""
    from python_calamine import CalamineWorkbook

    check_zip(source)
    try:
        if isinstance(source, bytes):
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(source))
        else:
            workbook = CalamineWorkbook.from_path(str(source))
        if not workbook.sheet_names:
            raise FileError(_("表格中没有工作表。"))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
        first: list[Any] | None = None
        number = 0
        for cells in rows:
            number += 1
            if any(cell_text(c) for c in cells):
                first = cells
                break
    except FileError:
        raise
    except Exception:  # noqa: BLE001 - calamine raises several error types for broken files
        raise FileError(_("无法读取该文件，请确认是 xlsx 格式且未损坏。"))
    if first is None:
        raise FileError(_("表格是空的。"))
    headers = [cell_text(c) for c in first]
    return headers, enumerate(rows, start=number + 1)

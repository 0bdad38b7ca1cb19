"""Spreadsheet import and export (xlsx with Chinese headers), for any app.

An app declares a format by subclassing ``SpreadsheetFormat`` in its ``imports.py`` and registering it::

    class VolunteerFormat(SpreadsheetFormat):
        slug = "volunteers"                      # URL: /io/volunteers/import/, export.xlsx, template.xlsx
        title = _("志愿者")
        model = Volunteer                        # export reads model.objects.visible_to(user)
        roles = (Role.HQ, Role.OFFICE, Role.STAFF)
        columns = (
            Column("pk", "编号", parse=parse_int, note=_("导出时自动生成，新增时留空")),
            Column("name", "姓名", required=True, example="李四"),
            Column("phone", "手机号码", required=True, parse=parse_mobile, example="13812345678"),
        )

        def start(self, *, actor, commit):       # precomputed lookups, built once per run
            return {...}

        def check_batch(self, ctx, rows, report):  # match rows to records, scope, cross-row rules
            for row in rows:
                row.action = CREATE | UPDATE | UNCHANGED, or report.error(row, "姓名", "…")

        def write_batch(self, ctx, rows, report):  # only called when committing and the batch is clean
            ...

        def export_rows(self, user, queryset):   # one list of cell values per row, in column order
            ...

    register(VolunteerFormat())

How a run works (``run_import``):

1. The file is read with python-calamine (fast, streaming rows to Python). Broken files, empty sheets,
   missing required headers or duplicated headers raise ``FileError`` with a Chinese message.
2. Each cell goes through its column's ``parse`` (raise ``ValidationError`` for a bad value; the message
   names the reason). Required columns must not be blank. Fully blank rows are skipped.
3. Rows go to the format in batches of ``batch_size`` (bounded memory): ``check_batch`` decides per row
   whether it creates, updates or leaves a record unchanged, and reports errors (row number, column,
   reason) and warnings. ``row_key`` lets the engine report duplicate rows in the same file.
4. Preview (``commit=False``) writes nothing and returns a ``Report`` with counts and every error.
   Commit (``commit=True``) runs the same checks inside one transaction, with the actor re-read from the
   database so the scope is current, calls ``write_batch`` for each batch and refuses the whole import
   (``ImportRefused``, everything rolled back) if any row has an error. It writes one audit event
   (action "import") with the counts.

Uploads are kept between preview and commit by ``UploadStore`` (under VAR_DIR/uploads, a random token
bound to the user and format); committing claims the token once, so a double submit never imports twice.
An upload is checked before it is kept (``check_upload``: declared sizes and compression ratio of the zip,
cell references against the format's row and column caps), encrypted with the data key, deleted once
committed, and expires after FANGKONG_UPLOAD_TTL_SECONDS (``purge_expired_uploads``). The commit lock is an
``flock`` that the kernel drops with the process, so a killed import leaves no stale lock.

Every cell the platform writes goes through ``sheet_row``/``to_cell``: text that a spreadsheet program
could run as a formula is written with a leading apostrophe, which the import removes (see
``FORMULA_TRIGGERS``).

``write_xlsx`` streams an export into the file (``core.xlsx_writer``, constant memory), and ``template_xlsx``
the downloadable template: the headers (required ones in red), an example row and a notes sheet that
explains every column.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from fangkong.core import audit
from fangkong.core.choices import AuditAction, Role
from fangkong.core.scope import clear_scope_cache, scope_for
from fangkong.core.spreadsheet_cells import (
    FORMULA_TRIGGERS,
    _is_escaped,
    cell_text,
    choice_label,
    from_cell,
    memoized,
    parse_bool,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
    reimported,
    sheet_row,
    to_cell,
)
from fangkong.core.spreadsheet_files import (
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    FileError,
    Source,
    _limit,
    check_upload,
    check_zip,
    read_rows,
)

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"

MAX_SHOWN_ERRORS = 1000
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UPLOAD_TTL_SECONDS = 6 * 3600  # default of settings.FANGKONG_UPLOAD_TTL_SECONDS
MEMO_SIZE = 4096  # cached parse results per column and run


class ImportRefused(Exception):
    """A commit found errors (bad rows or a scope breach): nothing was written."""

    def __init__(self, report: Report) -> None:
        super().__init__("import refused")
        self.report = report


# ------------------------------------------------------------------------------------------- format


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    parse: Callable[[str], Any] | None = None
    note: Any = ""
    example: Any = ""
    width: int = 14
    default: Any = None


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    action: str = ""
    ok: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    checked: Any = None  # what the format's checks found, typed by the format, carried to its write


@dataclass
class Problem:
    row: int
    column: str
    message: str


@dataclass
class Report:
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    bad_rows: int = 0
    ignored_headers: list[str] = field(default_factory=list)
    present: set[str] = field(default_factory=set)  # keys of the columns the file has

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, row: Row | int, column: str, message: str) -> None:
        number = row.number if isinstance(row, Row) else row
        if isinstance(row, Row):
            if row.ok:
                self.bad_rows += 1
            row.ok = False
        self.error_count += 1
        if len(self.errors) < MAX_SHOWN_ERRORS:
            self.errors.append(Problem(number, column, str(message)))

    def warn(self, row: Row | int, column: str, message: str) -> None:
        number = row.number if isinstance(row, Row) else row
        self.warning_count += 1
        if len(self.warnings) < MAX_SHOWN_ERRORS:
            self.warnings.append(Problem(number, column, str(message)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "counts": dict(self.counts),
            "errors": self.error_count,
            "warnings": self.warning_count,
        }


class SpreadsheetFormat:
    """A declared spreadsheet format. Subclass, set the class attributes, override the hooks."""

    slug: ClassVar[str] = ""
    title: ClassVar[Any] = ""
    sheet_title: ClassVar[Any] = ""
    columns: ClassVar[Sequence[Column]] = ()
    model: ClassVar[type[models.Model] | None] = None
    roles: ClassVar[tuple[str, ...]] = (Role.HQ, Role.OFFICE, Role.STAFF)
    domain: ClassVar[str] = "registry"
    batch_size: ClassVar[int] = 2000
    description: ClassVar[Any] = ""
    # Caps on an uploaded sheet (data rows; columns A..). settings.FANGKONG_IMPORT_MAX_ROWS maps a slug to
    # another row cap. A file over a cap is refused before it is parsed (see ``check_upload``).
    max_rows: ClassVar[int] = 50_000
    max_columns: ClassVar[int] = 26

    def row_limit(self) -> int:
        return int(getattr(settings, "FANGKONG_IMPORT_MAX_ROWS", {}).get(self.slug, self.max_rows))

    # -- who may use it
    def allowed(self, user: Any) -> bool:
        """May ``user`` use this format's pages at all (import, export, template)? Others get a 404."""
        if user is None or not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        if user.role not in self.roles or not user.subdistrict_id:
            return False
        scope = scope_for(user)
        return not scope.read_only and scope.allows_domain(self.domain)

    # -- hooks
    def start(self, *, actor: Any, commit: bool) -> Any:
        """Build the per-run context (lookups of places, existing keys …)."""
        return {}

    def row_key(self, ctx: Any, row: Row) -> Any:
        """A key identifying the record a row describes; two rows with the same key are duplicates.

        Called for every parsed row (also rows with errors), so cross-column validation can happen here."""
        return None

    def check_batch(self, ctx: Any, rows: list[Row], report: Report) -> None:
        """Set ``row.action`` for every valid row, and report errors and warnings."""
        raise NotImplementedError

    def write_batch(self, ctx: Any, rows: list[Row], report: Report) -> None:
        """Write a checked, clean batch (inside the import transaction)."""
        raise NotImplementedError

    def finish(self, ctx: Any, report: Report) -> None:
        """Called after the last batch (write what is still buffered)."""

    def close(self, ctx: Any) -> None:
        """Called at the end of every run, also when it fails, before the transaction ends (stop any
        background work that uses the connection)."""

    def audit_target(self, ctx: Any) -> dict[str, Any]:
        """Extra keyword arguments for the import audit event (e.g. neighborhood_id)."""
        return {}

    def audit_changes(self, ctx: Any) -> dict[str, Any]:
        """Extra entries of the import audit event's changes (e.g. the rows a ``core.bulk.BulkWriter``
        wrote, per model)."""
        return {}

    def export_queryset(self, user: Any) -> Any:
        assert self.model is not None
        return self.model._default_manager.visible_to(user)  # type: ignore[attr-defined]

    def export_rows(self, user: Any, queryset: Any) -> Iterable[list[Any]]:
        raise NotImplementedError

    # -- helpers
    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def example_row(self) -> list[Any]:
        return [c.example for c in self.columns]


_registry: dict[str, SpreadsheetFormat] = {}


def register(fmt: SpreadsheetFormat) -> SpreadsheetFormat:
    if not fmt.slug or not re.fullmatch(r"[a-z0-9_-]+", fmt.slug):
        raise ValueError(f"bad format slug {fmt.slug!r}")
    _registry[fmt.slug] = fmt
    return fmt


def get_format(slug: str) -> SpreadsheetFormat | None:
    _load_formats()
    return _registry.get(slug)


def all_formats() -> list[SpreadsheetFormat]:
    _load_formats()
    return list(_registry.values())


_loaded = False


def _load_formats() -> None:
    """Import every installed app's ``imports`` module once, so its formats register themselves."""
    global _loaded
    if _loaded:
        return
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("fangkong."):
            continue
        try:
            import_module(f"{config.name}.imports")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.imports":
                raise
    _loaded = True


# ------------------------------------------------------------------------------------------ reading


def map_headers(fmt: SpreadsheetFormat, headers: list[str]) -> tuple[list[tuple[int, Column]], list[str]]:
    """Match the header row to the format's columns: [(cell index, column)], ignored headers."""
    by_header = {c.header: c for c in fmt.columns}
    seen: dict[str, int] = {}
    mapping: list[tuple[int, Column]] = []
    ignored: list[str] = []
    for index, header in enumerate(headers):
        clean = header.replace("*", "").replace("＊", "").strip()
        if not clean:
            continue
        if clean in seen:
            raise FileError(_("表头“%(h)s”出现了两次。") % {"h": clean})
        seen[clean] = index
        column = by_header.get(clean)
        if column is None:
            ignored.append(clean)
        else:
            mapping.append((index, column))
    missing = [c.header for c in fmt.columns if c.required and c.header not in seen]
    if missing:
        raise FileError(
            _("缺少必填列：%(cols)s。请使用“%(title)s”模板的表头。")
            % {"cols": "、".join(missing), "title": fmt.title}
        )
    if not mapping:
        raise FileError(_("表头不符合“%(title)s”的格式。") % {"title": fmt.title})
    return mapping, ignored


class RowParser:
    """Parses rows through their columns, compiled once per run.

    ``parse_text`` columns get their length checked inline and ``memoized`` parse functions are cached per
    column; every other parse function is called as it is. The result is exactly ``Column.parse`` applied
    to the cell text (errors included, in column order)."""

    _MISS = object()

    def __init__(self, mapping: list[tuple[int, Column]], all_columns: Sequence[Column]) -> None:
        self.plan: list[tuple[int, Column, str, Any, int | None, dict[str, Any] | None]] = [
            (
                index,
                column,
                column.key,
                column.parse,
                getattr(column.parse, "max_length", None),
                {} if getattr(column.parse, "memo", False) else None,
            )
            for index, column in mapping
        ]
        mapped = {column.key for _index, column in mapping}
        self.absent = [(c.key, c.default) for c in all_columns if c.key not in mapped]

    def __call__(self, number: int, cells: list[Any], report: Report) -> Row | None:
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        blank = True
        width = len(cells)
        miss = self._MISS
        for index, column, key, parse, max_length, memo in self.plan:
            raw = cells[index] if index < width else None
            if isinstance(raw, str):
                text = raw[1:] if raw[:1] == "'" and _is_escaped(raw) else raw.strip()
            else:
                text = cell_text(raw)
            if not text:
                if column.required:
                    problems.append((column.header, _("必填项为空。")))
                values[key] = column.default
                continue
            blank = False
            if parse is None or (max_length is not None and len(text) <= max_length):
                values[key] = text
                continue
            if memo is not None:
                found = memo.get(text, miss)
                if found is not miss:
                    values[key] = found
                    continue
            try:
                value = parse(text)
            except ValidationError as exc:
                problems.append((column.header, "；".join(str(m) for m in exc.messages)))
                values[key] = None
                continue
            if memo is not None and len(memo) < MEMO_SIZE:
                memo[text] = value
            values[key] = value
        if blank:
            return None
        for key, default in self.absent:
            values[key] = default
        row = Row(number=number, values=values)
        for header, message in problems:
            report.error(row, header, message)
        return row


def parse_row(
    number: int,
    cells: list[Any],
    mapping: list[tuple[int, Column]],
    all_columns: Sequence[Column],
    report: Report,
) -> Row | None:
    """Parse one row's cells through their columns; None for a blank row."""
    return RowParser(mapping, all_columns)(number, cells, report)


# ------------------------------------------------------------------------------------------- engine


def _run(
    fmt: SpreadsheetFormat,
    path: Source,
    *,
    actor: Any,
    commit: bool,
    progress: Callable[[int], None] | None = None,
) -> tuple[Report, Any]:
    headers, body = read_rows(path)
    max_rows = fmt.row_limit()
    if len(headers) > fmt.max_columns:
        raise FileError(_("表格列数超过上限（%(n)d 列）。") % {"n": fmt.max_columns})
    mapping, ignored = map_headers(fmt, headers)
    report = Report(ignored_headers=ignored, present={c.key for _i, c in mapping})
    ctx = fmt.start(actor=actor, commit=commit)
    seen: dict[Any, int] = {}
    key_column = next((c.header for c in fmt.columns if c.required), fmt.columns[0].header)
    batch: list[Row] = []

    def flush() -> None:
        fmt.check_batch(ctx, batch, report)
        if commit and report.ok:
            fmt.write_batch(ctx, [r for r in batch if r.action in (CREATE, UPDATE)], report)
        batch.clear()
        if progress is not None:
            progress(report.rows)

    parse = RowParser(mapping, fmt.columns)
    try:
        for number, cells in body:
            row = parse(number, cells, report)
            if row is None:
                continue
            report.rows += 1
            if report.rows > max_rows:
                raise FileError(_("数据行数超过上限（%(n)d 行），请分批导入。") % {"n": max_rows})
            key = fmt.row_key(ctx, row)
            if row.ok:
                if key is not None:
                    first = seen.get(key)
                    if first is not None:
                        report.error(row, key_column, _("与第 %(n)d 行重复。") % {"n": first})
                    else:
                        seen[key] = number
            batch.append(row)
            if len(batch) >= fmt.batch_size:
                flush()
        if batch:
            flush()
        if commit and report.ok:
            fmt.finish(ctx, report)
    finally:
        fmt.close(ctx)
    if report.rows == 0:
        raise FileError(_("表格只有表头，没有数据行。"))
    return report, ctx


def preview_import(fmt: SpreadsheetFormat, path: Source, *, actor: Any) -> Report:
    """Check every row and count what a commit would do. Writes nothing."""
    report, _ctx = _run(fmt, path, actor=actor, commit=False)
    return report


def run_import(
    fmt: SpreadsheetFormat,
    path: Source,
    *,
    actor: Any,
    token: str = "",
    filename: str = "",
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Import the file in one transaction: all rows or nothing. Scope is re-checked inside the transaction.

    Raises ImportRefused (nothing written) when any row has an error, FileError for a broken file, and
    returns the report of a committed import. A token already imported is not imported again: the first
    import's report is returned. ``progress`` is called with the rows done after each batch (a long task's
    progress).
    """
    digest = _sha256(path)
    try:
        return _commit(
            fmt, path, actor=actor, token=token, filename=filename, digest=digest, progress=progress
        )
    except IntegrityError:
        report = Report()
        report.error(
            0, "", _("数据与已登记的记录冲突（如重复的证件号码、信用代码或手机号码），未导入任何数据。")
        )
        raise ImportRefused(report)


def _commit(
    fmt: SpreadsheetFormat,
    path: Any,
    *,
    actor: Any,
    token: str,
    filename: str,
    digest: str,
    progress: Callable[[int], None] | None = None,
) -> Report:
    from fangkong.core.models import AuditEvent, User

    with tuned_connection(), transaction.atomic():
        # One import at a time per user: the row lock serialises double submits across processes.
        fresh = User.objects.select_for_update().get(pk=actor.pk) if getattr(actor, "pk", None) else actor
        if token:
            done = AuditEvent.objects.filter(
                action=AuditAction.IMPORT, actor_id=fresh.pk, object_id=token[:64]
            ).first()
            if done is not None:
                return _report_from_audit(done)
        clear_scope_cache(fresh)
        report, ctx = _run(fmt, path, actor=fresh, commit=True, progress=progress)
        if not report.ok:
            raise ImportRefused(report)
        audit.record(
            actor=fresh,
            action=AuditAction.IMPORT,
            object_type=fmt.model._meta.label_lower if fmt.model else fmt.slug,
            object_id=token[:64],
            object_repr=f"{fmt.title} {filename}"[:200],
            changes={
                "format": fmt.slug,
                "file": filename,
                "sha256": digest,
                "rows": report.rows,
                "counts": dict(report.counts),
                "warnings": report.warning_count,
                **fmt.audit_changes(ctx),
            },
            **fmt.audit_target(ctx),
        )
    return report


@contextmanager
def tuned_connection() -> Iterator[None]:
    """SQLite, for the duration of an import: a 256 MiB page cache (the resident table's indexes stay in
    memory) and, unless a transaction is already open (SQLite refuses the change then), temporary
    structures in memory. Journaling and synchronous stay as configured. The previous values come back
    afterwards; other databases are left as they are."""
    from django.db import DatabaseError, connection

    if connection.vendor != "sqlite":
        yield
        return
    pragmas = {"cache_size": "-262144"}
    if not connection.in_atomic_block:
        pragmas["temp_store"] = "2"  # MEMORY
    previous: dict[str, int] = {}
    with connection.cursor() as cursor:
        for name, value in pragmas.items():
            cursor.execute(f"PRAGMA {name}")
            previous[name] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                for name, old in previous.items():
                    cursor.execute(f"PRAGMA {name} = {old}")
        except DatabaseError:  # the connection is gone: nothing left to restore
            pass


def _report_from_audit(event: Any) -> Report:
    report = Report(rows=int(event.changes.get("rows", 0)))
    report.counts.update(event.changes.get("counts", {}))
    report.counts["already_imported"] = 1
    return report


def _sha256(path: Source) -> str:
    if isinstance(path, bytes):
        return hashlib.sha256(path).hexdigest()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------ writing


def _header_cells(ws: Any, fmt: SpreadsheetFormat) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    cells = []
    fill = PatternFill("solid", fgColor="F2F2F2")
    for column in fmt.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = fill
        cells.append(cell)
    return cells


def _new_sheet(wb: Any, fmt: SpreadsheetFormat) -> Any:
    from openpyxl.utils import get_column_letter

    with override("zh-hans"):
        ws = wb.create_sheet(str(fmt.sheet_title or fmt.title)[:31])
    for i, column in enumerate(fmt.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"
    return ws


def write_xlsx(fmt: SpreadsheetFormat, rows: Iterable[Sequence[Any]], dest: Any) -> int:
    """Write rows under the format's headers, streamed into the file (constant memory; ``core.xlsx_writer``:
    the workbook the template's sheet has, without openpyxl's per-cell objects). Returns the row count."""
    from fangkong.core import xlsx_writer

    with override("zh-hans"):
        title = str(fmt.sheet_title or fmt.title)[:31]
    return xlsx_writer.write(
        dest,
        sheet_title=title,
        headers=[str(c.header) for c in fmt.columns],
        required=[c.required for c in fmt.columns],
        widths=[c.width for c in fmt.columns],
        rows=(sheet_row(row) for row in rows),
    )


def template_xlsx(fmt: SpreadsheetFormat, dest: Any) -> None:
    """The downloadable template: headers, one example row, and a notes sheet describing each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with override("zh-hans"):
        wb = Workbook(write_only=True)
        ws = _new_sheet(wb, fmt)
        ws.append(_header_cells(ws, fmt))
        ws.append(sheet_row(fmt.example_row()))
        notes = wb.create_sheet("填写说明")
        notes.column_dimensions["A"].width = 16
        notes.column_dimensions["B"].width = 8
        notes.column_dimensions["C"].width = 80
        from openpyxl.cell import WriteOnlyCell

        head = []
        for text in ("列名", "必填", "说明"):
            cell = WriteOnlyCell(notes, value=text)
            cell.font = Font(bold=True)
            head.append(cell)
        notes.append(head)
        for column in fmt.columns:
            notes.append(sheet_row([column.header, "是" if column.required else "否", str(column.note)]))
        notes.append([])
        notes.append(sheet_row(["", "", str(fmt.description)]))
        notes.append(["", "", "第一行必须是表头；红色表头为必填列。示例行请删除后再导入。"])
        wb.save(dest)


# ------------------------------------------------------------------------------------------ uploads

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def upload_ttl_seconds() -> int:
    return _limit("FANGKONG_UPLOAD_TTL_SECONDS", UPLOAD_TTL_SECONDS)


@dataclass
class Upload:
    token: str
    path: Path
    meta: dict[str, Any]

    @property
    def filename(self) -> str:
        return str(self.meta.get("filename", ""))

    def read(self) -> bytes:
        """The uploaded file's bytes, decrypted in memory (FileNotFoundError once it is gone)."""
        from fangkong.core import crypto

        try:
            return crypto.decrypt_bytes(self.path.read_bytes())
        except ValueError:
            raise FileError(_("上传的文件已无法读取（可能已过期或密钥已更换），请重新上传。"))


class UploadStore:
    """Uploaded files kept between preview and commit, each under a random token bound to user and format.

    - The file is checked (``check_upload``: zip bomb, row and column caps) before it is kept, and kept
      encrypted with the primary data key (``crypto.encrypt_bytes``): no plaintext reaches the disk. It
      is deleted when its import is committed, and every file of the store expires after
      settings.FANGKONG_UPLOAD_TTL_SECONDS (``purge_expired_uploads``, run on every upload and by
      ``fangkong purge-uploads``).
    - A commit holds an exclusive ``flock`` on the token's lock file. The kernel drops it when the process
      ends, however it ends, so an import killed mid-commit (its transaction rolled back) leaves no stale
      lock: the next commit of the same token takes the lock and runs.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or Path(settings.VAR_DIR) / "uploads")
        self._locks: dict[str, int] = {}

    def _paths(self, token: str) -> tuple[Path, Path]:
        return self.root / f"{token}.enc", self.root / f"{token}.json"

    def save(self, *, user: Any, slug: str, upload: Any) -> Upload:
        from fangkong.core import crypto

        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        purge_expired_uploads(root=self.root)
        data = bytearray()
        for chunk in upload.chunks():
            data += chunk
            if len(data) > MAX_UPLOAD_BYTES:
                raise FileError(_("文件过大（上限 50 MB）。"))
        fmt = get_format(slug)
        if fmt is not None:
            check_upload(bytes(data), fmt)
        else:
            check_zip(bytes(data))
        sealed = crypto.encrypt_bytes(bytes(data))
        size = len(data)
        del data
        token = secrets.token_urlsafe(24)
        data_path, meta_path = self._paths(token)
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(sealed)
        os.replace(tmp, data_path)
        meta = {
            "user": user.pk,
            "slug": slug,
            "filename": os.path.basename(str(getattr(upload, "name", "")))[:120],
            "size": size,
            "at": time.time(),
        }
        meta_path.write_text(json.dumps(meta, ensure_ascii=False))
        return Upload(token, data_path, meta)

    def get(self, token: str, *, user: Any, slug: str) -> Upload | None:
        if not _TOKEN.match(token or ""):
            return None
        data_path, meta_path = self._paths(token)
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            return None
        if meta.get("user") != user.pk or meta.get("slug") != slug:
            return None
        if time.time() - float(meta.get("at", 0)) > upload_ttl_seconds():
            return None  # expired: the purge deletes it
        return Upload(token, data_path, meta)

    def claim(self, upload: Upload) -> bool:
        """Take the token for one commit. False while another process (or request) holds it."""
        import fcntl

        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.root / f"{upload.token}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "at": time.time()}).encode())
        self._locks[upload.token] = fd
        return True

    def release(self, upload: Upload) -> None:
        fd = self._locks.pop(upload.token, None)
        if fd is not None:
            os.close(fd)  # closing the file drops the flock

    def note(self, upload: Upload, **values: Any) -> None:
        """Keep more about the upload in its meta (the preview's row count)."""
        _data_path, meta_path = self._paths(upload.token)
        upload.meta.update(values)
        meta_path.write_text(json.dumps(upload.meta, ensure_ascii=False))

    def finish(self, upload: Upload, result: dict[str, Any]) -> None:
        """Record the committed result and delete the file (the token stays answerable until it expires)."""
        data_path, meta_path = self._paths(upload.token)
        upload.meta["result"] = result
        meta_path.write_text(json.dumps(upload.meta, ensure_ascii=False))
        data_path.unlink(missing_ok=True)
        self.release(upload)

    def cleanup(self) -> int:
        return purge_expired_uploads(root=self.root)


def purge_expired_uploads(*, root: Path | None = None, now: float | None = None) -> int:
    """Delete what the upload store keeps past settings.FANGKONG_UPLOAD_TTL_SECONDS: files, their meta
    and lock files (a lock only when no commit holds it). Plaintext uploads left by older versions
    (``*.xlsx``) are deleted whatever their age. Returns the number of files deleted. Safe to call from
    any process at any time (a job runner, ``fangkong purge-uploads``)."""
    import fcntl

    root = Path(root or Path(settings.VAR_DIR) / "uploads")
    cutoff = (time.time() if now is None else now) - upload_ttl_seconds()
    deleted = 0
    try:
        paths = list(root.iterdir())
    except FileNotFoundError:
        return 0
    for path in paths:
        try:
            if path.suffix != ".xlsx" and path.stat().st_mtime >= cutoff:
                continue
            if path.suffix == ".lock":
                fd = os.open(path, os.O_RDWR)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a commit is running
                finally:
                    os.close(fd)
            path.unlink()
            deleted += 1
        except OSError:
            continue
    return deleted


ACTION_LABELS = {
    CREATE: gettext_lazy("新增"),
    UPDATE: gettext_lazy("更新"),
    UNCHANGED: gettext_lazy("无变化"),
}

# The cells and files sections live in their own modules (core.spreadsheet_cells, core.spreadsheet_files);
# their names stay importable from here. (Names defined in this module need no listing.)
__all__ = [
    "FORMULA_TRIGGERS",
    "cell_text",
    "choice_label",
    "from_cell",
    "memoized",
    "parse_bool",
    "parse_choice",
    "parse_date",
    "parse_int",
    "parse_text",
    "reimported",
    "sheet_row",
    "to_cell",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "FileError",
    "Source",
    "check_upload",
    "check_zip",
    "read_rows",
]

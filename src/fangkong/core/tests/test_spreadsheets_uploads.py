"""Uploads between preview and commit: encrypted at rest, deleted after commit or expiry, a commit lock that
dies with its process; zip bombs and over-large sheets are refused before anything is parsed."""

from __future__ import annotations

import io
import os
import signal
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook

from fangkong.core import spreadsheets
from fangkong.core.models import AuditEvent
from fangkong.core.spreadsheets import FileError, UploadStore, check_upload, purge_expired_uploads
from fangkong.core.tests.test_spreadsheets_views import HEADERS, good_rows, upload
from fangkong.registry.imports import HOUSEHOLDS, VOLUNTEERS
from fangkong.registry.models import Resident


@pytest.fixture(autouse=True)
def _uploads(tmp_path):
    with override_settings(VAR_DIR=tmp_path):
        yield


def _store_dir(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


def _disk_bytes(root: Path) -> list[bytes]:
    """Every file under root, raw, and for a zip also its inflated members."""
    blobs = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        blobs.append(raw)
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                blobs.extend(archive.read(name) for name in archive.namelist())
    return blobs


def _start(client, hood: str, n: int = 3, seed: int = 1) -> tuple[str, list[list]]:
    rows = good_rows(hood, n, seed)
    response = client.post("/io/households/import/", {"file": upload(rows)})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"], rows


# ------------------------------------------------------------------------------- encrypted, deleted


def test_no_plaintext_upload_on_disk_and_deleted_after_commit(as_persona, world, tmp_path):
    client = as_persona("staff_a")
    preview_url, rows = _start(client, world.hood_a.name)
    assert client.get(preview_url).status_code == 200  # the preview decrypts in memory
    blobs = _disk_bytes(_store_dir(tmp_path))
    assert blobs
    for id_number, phone in ((r[5], r[6]) for r in rows):
        assert not any(id_number.encode() in b or phone.encode() in b for b in blobs)
    assert not any(b.startswith(b"PK") for b in blobs)  # no xlsx at all
    assert client.post(preview_url + "commit/").status_code == 302
    assert Resident.objects.filter(neighborhood=world.hood_a).count() == 1 + len(rows)
    assert not list(_store_dir(tmp_path).glob("*.enc"))  # the file goes once committed
    assert client.get(preview_url + "done/").status_code == 200


def test_expired_uploads_are_purged(as_persona, world, tmp_path):
    client = as_persona("staff_a")
    preview_url, _rows = _start(client, world.hood_a.name)
    root = _store_dir(tmp_path)
    legacy = root / "legacy-plaintext-upload.xlsx"  # left by an older version: deleted whatever its age
    legacy.write_bytes(b"PK old")
    assert purge_expired_uploads() == 1 and not legacy.exists()
    assert client.get(preview_url).status_code == 200
    old = time.time() - spreadsheets.upload_ttl_seconds() - 60
    for path in root.iterdir():
        os.utime(path, (old, old))
    assert purge_expired_uploads() == 2  # the encrypted file and its meta
    assert list(root.iterdir()) == []
    assert client.get(preview_url).status_code == 404


def test_an_upload_past_its_time_is_gone_even_before_the_purge(as_persona, world):
    client = as_persona("staff_a")
    preview_url, _rows = _start(client, world.hood_a.name)
    with override_settings(FANGKONG_UPLOAD_TTL_SECONDS=0):
        time.sleep(0.01)
        assert client.get(preview_url).status_code == 404
        assert client.post(preview_url + "commit/").status_code == 404


# --------------------------------------------------------------------------------------- the lock


def _upload_of(preview_url: str, user) -> spreadsheets.Upload:
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    found = UploadStore().get(token, user=user, slug="households")
    assert found is not None
    return found


def test_an_import_killed_while_holding_the_lock_can_be_committed_again(as_persona, world):
    client = as_persona("staff_a")
    preview_url, rows = _start(client, world.hood_a.name)
    held = _upload_of(preview_url, world.staff_a)
    pid = os.fork()
    if pid == 0:  # the crashed process: takes the lock, then dies without releasing it
        try:
            UploadStore().claim(held)
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    assert (Path(held.path).parent / f"{held.token}.lock").exists()
    before = Resident.objects.count()
    response = client.post(preview_url + "commit/", follow=True)
    assert "导入完成" in response.content.decode()
    assert Resident.objects.count() == before + len(rows)


def test_a_running_import_keeps_its_lock(as_persona, world):
    client = as_persona("staff_a")
    preview_url, rows = _start(client, world.hood_a.name)
    other = UploadStore()
    held = _upload_of(preview_url, world.staff_a)
    assert other.claim(held)
    before = Resident.objects.count()
    response = client.post(preview_url + "commit/", follow=True)
    assert "正在导入" in response.content.decode() and Resident.objects.count() == before
    other.release(held)
    client.post(preview_url + "commit/")
    assert Resident.objects.count() == before + len(rows)


# ------------------------------------------------------------------------------------- zip bombs


def _xlsx_bytes(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite_sheet(content: bytes, change) -> bytes:
    """The same xlsx with its first sheet's XML passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            archive.writestr(info.filename, data)
    return out.getvalue()


def _bomb(hood: str) -> bytes:
    """A small xlsx whose one cell inflates to 24 MB (ratio about 1000)."""
    content = _xlsx_bytes(good_rows(hood, 1))
    cell = b'<row r="3"><c r="A3" t="inlineStr"><is><t>' + b"9" * (24 << 20) + b"</t></is></c></row>"
    return _rewrite_sheet(content, lambda xml: xml.replace(b"</sheetData>", cell + b"</sheetData>"))


def _far_cell(hood: str, ref: str) -> bytes:
    """A tiny xlsx with one more cell at ``ref``: a reader sizes the sheet up to it."""
    content = _xlsx_bytes(good_rows(hood, 1))
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    extra = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'.encode()
    return _rewrite_sheet(content, lambda xml: xml.replace(b"</sheetData>", extra))


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if the file reaches the xlsx parser."""
    import python_calamine

    def refuse(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)


def _far_cell_spaced(hood: str, ref: str) -> bytes:
    """As ``_far_cell``, with XML's optional white space around ``=`` in the references (the reader
    accepts it; the writers of real spreadsheets never emit it)."""
    content = _far_cell(hood, ref)
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return _rewrite_sheet(
        content,
        lambda xml: xml.replace(
            f'<row r="{row}"><c r="{ref}"'.encode(), f'<row r = "{row}"><c r =\n"{ref}"'.encode()
        ),
    )


@pytest.mark.parametrize("kind", ["ratio", "size", "far column", "far row", "far row, spaced"])
def test_bombs_are_refused_at_upload_before_parsing(as_persona, world, tmp_path, no_parsing, kind):
    hood = world.hood_a.name
    content = {
        "ratio": lambda: _bomb(hood),
        "size": lambda: _xlsx_bytes(good_rows(hood, 200)),
        "far column": lambda: _far_cell(hood, "XFD2"),
        "far row": lambda: _far_cell(hood, "A1048576"),
        "far row, spaced": lambda: _far_cell_spaced(hood, "A1048576"),
    }[kind]()
    assert len(content) < 400_000
    limits = {"FANGKONG_IMPORT_MAX_UNZIPPED_BYTES": 20_000} if kind == "size" else {}
    before = (Resident.objects.count(), AuditEvent.objects.count())
    with override_settings(**limits):
        response = as_persona("staff_a").post(
            "/io/households/import/", {"file": SimpleUploadedFile("炸弹.xlsx", content)}
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert ("压缩炸弹" in html) if kind in ("ratio", "size") else ("上限" in html)
    assert not list(_store_dir(tmp_path).glob("*.enc"))  # nothing kept
    assert (Resident.objects.count(), AuditEvent.objects.count()) == before


def test_the_engine_checks_declared_sizes_before_parsing(world, tmp_path, no_parsing):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_bomb(world.hood_a.name))
    with pytest.raises(FileError, match="压缩炸弹"):
        spreadsheets.preview_import(HOUSEHOLDS, path, actor=world.hq)
    with pytest.raises(FileError, match="压缩炸弹"):
        spreadsheets.run_import(HOUSEHOLDS, path, actor=world.hq)
    assert not AuditEvent.objects.filter(action="import").exists()


def test_a_member_larger_than_declared_is_not_read_past_its_declared_size(world, tmp_path):
    """The central directory claims a small sheet; the reader stops at the declared size."""
    content = bytearray(_bomb(world.hood_a.name))
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at, name_len_at, name_at in (
        (b"PK\x01\x02", 24, 28, 46),
        (b"PK\x03\x04", 22, 26, 30),
    ):
        at = content.find(signature)
        while at != -1:
            length = int.from_bytes(content[at + name_len_at : at + name_len_at + 2], "little")
            if content[at + name_at : at + name_at + length] == name:
                content[at + size_at : at + size_at + 4] = (2000).to_bytes(4, "little")
            at = content.find(signature, at + 4)
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(content))
    spreadsheets.check_zip(bytes(content))  # the directory looks harmless
    with pytest.raises(FileError, match="无法读取"):
        check_upload(bytes(content), HOUSEHOLDS)  # the upload scan stops at the declared size
    with pytest.raises(FileError, match="无法读取"):  # and so does the xlsx reader
        spreadsheets.preview_import(HOUSEHOLDS, path, actor=world.hq)


def test_row_caps_per_format(world, tmp_path):
    assert HOUSEHOLDS.row_limit() >= 100_000  # the benchmark imports 100,000 residents in one file
    check_upload(_far_cell(world.hood_a.name, "A100002"), HOUSEHOLDS)
    headers = ["姓名", "手机号码", "居民区"]
    rows = [[f"志愿者{i}", f"1381234{i:04d}", world.hood_a.name] for i in range(5)]
    content = _xlsx_bytes(rows, headers)
    with override_settings(FANGKONG_IMPORT_MAX_ROWS={"volunteers": 3}):
        assert VOLUNTEERS.row_limit() == 3
        with pytest.raises(FileError, match="上限"):
            spreadsheets.preview_import(VOLUNTEERS, content, actor=world.staff_a)
    assert spreadsheets.preview_import(VOLUNTEERS, content, actor=world.staff_a).counts["create"] == 5


def test_purge_uploads_command(as_persona, world, tmp_path):
    from django.core.management import call_command

    _start(as_persona("staff_a"), world.hood_a.name)
    out = io.StringIO()
    with override_settings(FANGKONG_UPLOAD_TTL_SECONDS=-1):
        call_command("purge_uploads", stdout=out)
    assert "已删除 2 个" in out.getvalue()
    assert list(_store_dir(tmp_path).iterdir()) == []


def test_the_job_runner_purges_expired_uploads(as_persona, world, tmp_path):
    from django.utils import timezone

    from fangkong.core import jobs

    _start(as_persona("staff_a"), world.hood_a.name)
    job = next(j for j in jobs.registered() if j.name == "core.purge_uploads")
    assert job.func(timezone.now()) == {"deleted": 0}
    with override_settings(FANGKONG_UPLOAD_TTL_SECONDS=-1):
        assert job.func(timezone.now()) == {"deleted": 2}

"""Large exports run in the job runner: the request queues, the worker writes, the owner downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from fangkong.core import exports
from fangkong.core.models import AuditEvent, LongTask, Notification


@pytest.fixture
def background(settings, tmp_path):
    settings.FANGKONG_EXPORT_INLINE_ROWS = 1
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_a_large_export_is_queued_and_written_by_the_worker(
    world, as_persona, background, django_capture_on_commit_callbacks, monkeypatch
):
    client = as_persona("hq")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.get("/io/households/export.xlsx")
    assert answer.status_code == 302
    task = LongTask.objects.get()
    assert answer["Location"] == f"/io/tasks/{task.pk}/"
    assert task.status == "queued" and task.total == 2
    page = client.get(answer["Location"])
    assert (
        page.status_code == 200
        and "排队中" in page.content.decode()
        and "hx-trigger" in page.content.decode()
    )
    # the worker's queue (django-tasks, database backend) runs it; inside the test's transaction its
    # connection housekeeping must not close the connection (a file-based SQLite test database would lose it)
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--interval", "0")
    task.refresh_from_db()
    assert task.status == "done" and task.done == 2 and task.expires_at > timezone.now()
    # the file on disk is sealed: no plaintext ID number in it
    sealed = (background / "exports" / task.file_name).read_bytes()
    assert not sealed.startswith(b"PK") and b"PK" not in sealed[:64]  # not a readable xlsx (zip) file
    assert Notification.objects.filter(
        recipient=world.hq, kind="core.task", link=f"/io/tasks/{task.pk}/"
    ).exists()
    page = client.get(f"/io/tasks/{task.pk}/").content.decode()
    assert "下载文件" in page and "every 1s" not in page
    download = client.get(f"/io/tasks/{task.pk}/download/")
    assert download.status_code == 200
    ws = load_workbook(io.BytesIO(download.content)).active
    assert ws.max_row == 3  # the header and the two residents of HQ's sub-district
    assert AuditEvent.objects.filter(action="export", object_type="core.longtask").exists()


def test_only_the_owner_sees_and_downloads_an_export(world, as_persona, background):
    task = exports.start_export(user=world.hq, slug="households", total=2)
    exports.run_export(str(task.pk))
    for persona in ("staff_a", "other_hq", "auditor"):
        assert as_persona(persona).get(f"/io/tasks/{task.pk}/").status_code == 404
        assert as_persona(persona).get(f"/io/tasks/{task.pk}/download/").status_code == 404
    assert as_persona("anonymous").get(f"/io/tasks/{task.pk}/").status_code == 302


def test_the_export_keeps_the_users_scope(world, as_persona, background):
    task = exports.start_export(user=world.staff_a, slug="households", total=1)
    exports.run_export(str(task.pk))
    download = as_persona("staff_a").get(f"/io/tasks/{task.pk}/download/")
    ws = load_workbook(io.BytesIO(download.content)).active
    assert ws.max_row == 2  # only neighborhood A's resident


def test_small_exports_stay_in_the_request(world, as_persona, settings):
    settings.FANGKONG_EXPORT_INLINE_ROWS = 3000
    answer = as_persona("hq").get("/io/households/export.xlsx")
    assert answer.status_code == 200 and not LongTask.objects.exists()


def test_expired_export_files_are_deleted(world, background):
    task = exports.start_export(user=world.hq, slug="households", total=2)
    exports.run_export(str(task.pk))
    task.refresh_from_db()
    path = background / "exports" / task.file_name
    assert path.exists()
    assert exports.expire_exports(timezone.now()) == {"removed": 0}
    with override_settings():
        assert exports.expire_exports(timezone.now() + dt.timedelta(hours=25)) == {"removed": 1}
    assert not path.exists()
    task.refresh_from_db()
    assert task.status == "expired"

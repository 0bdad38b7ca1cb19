"""Long work as a task: a large import commit is queued by the request and committed by the worker, with
progress on a page the user may leave and an inbox message with the link to the result."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core import longtasks
from fangkong.core.models import LongTask, Notification
from fangkong.core.tests.test_spreadsheets_views import good_rows, upload
from fangkong.registry.models import Resident


@pytest.fixture(autouse=True)
def _var(tmp_path):
    with override_settings(VAR_DIR=tmp_path, FANGKONG_IMPORT_INLINE_ROWS=3):
        yield


def _preview(client, hood: str, rows: list[list]) -> str:
    response = client.post("/io/households/import/", {"file": upload(rows)})
    assert response.status_code == 302
    preview = response["Location"]
    assert client.get(preview).status_code == 200  # the preview counts the rows
    return preview


def test_a_large_import_is_committed_by_the_worker(as_persona, world, tmp_path):
    client = as_persona("staff_a")
    before = Resident.objects.filter(neighborhood=world.hood_a).count()
    preview = _preview(client, world.hood_a.name, good_rows(world.hood_a.name, 5))
    answer = client.post(preview + "commit/")
    task = LongTask.objects.get(kind="core.import")
    assert answer.status_code == 302 and answer["Location"] == f"/io/tasks/{task.pk}/"
    assert task.status == "queued" and task.total == 5 and task.user == world.staff_a
    assert Resident.objects.filter(neighborhood=world.hood_a).count() == before  # nothing in the request
    page = client.get(answer["Location"]).content.decode()
    assert "排队中" in page and "hx-trigger" in page
    # a second submit joins the queued task instead of queuing another
    assert client.post(preview + "commit/")["Location"] == answer["Location"]
    assert LongTask.objects.count() == 1

    assert longtasks.run(str(task.pk)) == {"done": 5}
    task.refresh_from_db()
    assert task.status == "done" and task.done == 5 and task.link == preview.rstrip("/") + "/done/"
    assert Resident.objects.filter(neighborhood=world.hood_a).count() == before + 5
    note = Notification.objects.get(recipient=world.staff_a, kind="core.task")
    assert "导入完成" in note.subject and note.link == task.link
    page = client.get(answer["Location"]).content.decode()
    assert "已完成" in page and task.link in page and "every 1s" not in page
    assert not list((tmp_path / "tasks").glob("*.json"))  # the progress file goes with the task
    # run twice (a task enqueued twice): the second run does nothing
    assert longtasks.run(str(task.pk)) == {"skipped": "done"}
    assert Resident.objects.filter(neighborhood=world.hood_a).count() == before + 5
    # the committed upload answers its result page, not a second import
    assert client.post(preview + "commit/")["Location"] == preview.rstrip("/") + "/done/"


def test_a_small_import_stays_in_the_request(as_persona, world):
    client = as_persona("staff_a")
    before = Resident.objects.filter(neighborhood=world.hood_a).count()
    preview = _preview(client, world.hood_a.name, good_rows(world.hood_a.name, 3))
    answer = client.post(preview + "commit/")
    assert answer["Location"].endswith("/done/") and not LongTask.objects.exists()
    assert Resident.objects.filter(neighborhood=world.hood_a).count() == before + 3


def test_a_refused_import_task_says_why_and_writes_nothing(as_persona, world):
    client = as_persona("staff_a")
    rows = good_rows(world.hood_a.name, 5)
    rows[2][0] = "不存在居民区"  # an unknown neighborhood: an error on row 4
    before = Resident.objects.count()
    preview = _preview(client, world.hood_a.name, rows)
    task_url = client.post(preview + "commit/")["Location"]
    task = LongTask.objects.get()
    assert longtasks.run(str(task.pk)) == {"refused": "导入被拒绝：存在错误，未写入任何数据。"}
    task.refresh_from_db()
    assert task.status == "failed" and task.link == preview and Resident.objects.count() == before
    note = Notification.objects.get(recipient=world.staff_a, kind="core.task")
    assert note.link == preview and "未完成" in note.subject
    page = client.get(task_url).content.decode()
    assert "导入被拒绝" in page and preview in page


def test_only_the_owner_sees_a_task(as_persona, world):
    task = longtasks.start(user=world.staff_a, kind="core.export", slug="households", total=1)
    assert as_persona("staff_a").get(f"/io/tasks/{task.pk}/").status_code == 200
    for persona in ("staff_b", "hq"):
        assert as_persona(persona).get(f"/io/tasks/{task.pk}/").status_code == 404


@settings(max_examples=40, deadline=None)
@given(total=st.integers(1, 10**6), share=st.floats(0, 1), elapsed=st.integers(1, 3600))
def test_progress_reads_the_running_tasks_file_and_estimates_the_time_left(total, share, elapsed):
    done = int(total * share)
    task = LongTask(
        status="running",
        total=total,
        done=0,
        params={},
        started_at=timezone.now() - dt.timedelta(seconds=elapsed),
    )
    longtasks.Progress(task)(done, force=True)
    shown = longtasks.progress(task)
    assert shown["done"] == done and shown["total"] == total
    assert shown["percent"] == min(100, done * 100 // total)
    if done:
        assert shown["left"] == pytest.approx(elapsed / done * (total - done), abs=2)
    else:
        assert shown["left"] is None


def test_a_solve_shows_the_time_used_against_its_limit():
    task = LongTask(
        status="running",
        total=0,
        params={"time_limit": 20},
        started_at=timezone.now() - dt.timedelta(seconds=5),
    )
    shown = longtasks.progress(task)
    assert 20 <= shown["percent"] <= 30 and 14 <= shown["left"] <= 15

"""Alerts reach people: stored per recipient once, delivered by the worker with retries, quiet hours,
escalation, and the inbox with its bell."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading

import pytest
from django.test import override_settings
from django.utils import timezone

from fangkong.core import notify
from fangkong.core.choices import DeliveryStatus
from fangkong.core.models import Notification


@pytest.fixture
def file_backend(tmp_path):
    log = tmp_path / "notify.jsonl"
    with override_settings(FANGKONG_NOTIFY_BACKENDS=["file"], FANGKONG_NOTIFY_FILE=str(log)):
        yield log


def sent_lines(log):
    return [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


class Receiver:
    """A local webhook receiver that can be told to fail."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, str]] = []
        self.fail = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail:
                    receiver.fail -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.received.append((json.loads(body), self.headers["Idempotency-Key"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_alert_is_one_per_recipient_and_key(world, file_backend):
    people = [world.staff_a, world.staff_a, world.hq]
    first = notify.alert(
        kind="fever", subject="发热", recipients=people, key="fever:1", subdistrict_id=world.sub.pk
    )
    again = notify.alert(
        kind="fever", subject="发热", recipients=people, key="fever:1", subdistrict_id=world.sub.pk
    )
    assert len(first) == 2 and {n.pk for n in first} == {n.pk for n in again}
    assert Notification.objects.filter(dedupe_key="fever:1").count() == 2
    notify.deliver_pending()
    assert len(sent_lines(file_backend)) == 2  # one line per recipient, not one per call


def test_alert_with_nobody_named_goes_up_a_level(world):
    notes = notify.alert(
        kind="missed_report",
        subject="漏报",
        recipients=[],
        key="k",
        subdistrict_id=world.sub.pk,
        neighborhood_id=world.hood_a.pk,
    )
    assert {n.recipient for n in notes} == {world.staff_a}
    assert {n.level for n in notes} == {notify.LEVEL_COMMITTEE}
    notes = notify.alert(kind="x", subject="s", recipients=[], key="k2", subdistrict_id=world.sub.pk)
    assert {n.recipient for n in notes} == {world.hq} and notes[0].level == notify.LEVEL_HQ


def test_nothing_is_sent_in_the_request_and_the_worker_sends_once(world, file_backend):
    notify.notify(kind="info", subject="你好", recipient=world.staff_a)
    assert sent_lines(file_backend) == []
    assert notify.deliver_pending() == 1
    assert notify.deliver_pending() == 0
    [line] = sent_lines(file_backend)
    assert line["subject"] == "你好" and line["recipient"] == "staff_a"
    note = Notification.objects.get()
    assert note.delivery_status == DeliveryStatus.SENT and note.delivered_at is not None


def test_delivery_takes_a_constant_number_of_statements_and_an_idle_pass_writes_nothing(world, file_backend):
    """The worker's delivery pass claims, reads and records the due messages together: 3 and 40 messages take
    the same statements, and a pass with nothing due only reads (on SQLite, no write lock every half second
    under the requests' writes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def pass_with(n: int) -> list[str]:
        for i in range(n):
            notify.notify(kind="info", subject=f"消息{i}", recipient=world.staff_a)
        with CaptureQueriesContext(connection) as ctx:
            assert notify.deliver_pending() == n
        return [q["sql"] for q in ctx.captured_queries]

    small, large = pass_with(3), pass_with(40)
    assert len(small) == len(large)
    assert len(sent_lines(file_backend)) == 43
    assert set(Notification.objects.values_list("delivery_status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Notification.objects.values_list("delivery_attempts", flat=True)) == {1}
    with CaptureQueriesContext(connection) as idle:
        assert notify.deliver_pending() == 0
    assert idle.captured_queries
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in idle.captured_queries)


def test_the_workers_task_loop_polls_with_a_read_and_runs_what_is_ready(
    world, as_persona, settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    """Idle, a pass of the worker's task loop is one plain read (django-tasks' own loop would open an
    exclusive transaction every second); with a task ready it runs it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.core import exports
    from fangkong.core.models import LongTask
    from fangkong.core.worker import Worker

    settings.VAR_DIR = tmp_path
    # inside the test's transaction the queue's connection housekeeping must keep the connection
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    worker = Worker(tick_seconds=60)
    with CaptureQueriesContext(connection) as idle:
        assert worker.tasks_pass() is False
    assert len(idle.captured_queries) == 1 and idle.captured_queries[0]["sql"].lstrip().upper().startswith(
        "SELECT"
    )
    with django_capture_on_commit_callbacks(execute=True):
        task = exports.start_export(user=world.hq, slug="households", total=2)
    assert worker.tasks_pass() is True
    assert LongTask.objects.get(pk=task.pk).status == "done"
    assert worker.tasks_pass() is False


def test_webhook_retries_with_the_same_idempotency_key_then_dead(world, receiver):
    with override_settings(
        FANGKONG_NOTIFY_BACKENDS=["webhook"],
        FANGKONG_NOTIFY_WEBHOOK_URL=receiver.url,
        FANGKONG_NOTIFY_MAX_ATTEMPTS=3,
    ):
        note = notify.notify(kind="fever", subject="发热", recipient=world.hq)
        receiver.fail = 1
        now = timezone.now()
        assert notify.deliver_pending(now=now) == 0
        note.refresh_from_db()
        assert note.delivery_status == DeliveryStatus.FAILED and "503" in note.delivery_error
        assert note.deliver_after == now + dt.timedelta(seconds=5)
        assert notify.deliver_pending(now=now + dt.timedelta(seconds=1)) == 0  # not yet due
        assert notify.deliver_pending(now=now + dt.timedelta(seconds=6)) == 1
        [(payload, key)] = receiver.received
        assert key == payload["idempotency_key"] == f"fangkong-notification-{note.pk}"
        # a receiver that never answers: dead after the last attempt, listed for a retry
        other = notify.notify(kind="fever", subject="再次发热", recipient=world.hq)
        receiver.fail = 99
        moment = now
        for _ in range(3):
            moment += dt.timedelta(hours=2)
            notify.deliver_pending(now=moment)
        other.refresh_from_db()
        assert other.delivery_status == DeliveryStatus.DEAD and other.delivery_attempts == 3
        receiver.fail = 0
        assert notify.retry_dead(actor=world.hq, note_id=other.pk) == 1
        assert notify.deliver_pending(now=moment) == 1


def test_a_failing_backend_does_not_resend_through_the_ones_that_worked(world, receiver, file_backend):
    with override_settings(
        FANGKONG_NOTIFY_BACKENDS=["file", "webhook"],
        FANGKONG_NOTIFY_FILE=str(file_backend),
        FANGKONG_NOTIFY_WEBHOOK_URL=receiver.url,
    ):
        notify.notify(kind="fever", subject="发热", recipient=world.hq)
        receiver.fail = 1
        now = timezone.now()
        notify.deliver_pending(now=now)
        notify.deliver_pending(now=now + dt.timedelta(minutes=1))
    assert len(sent_lines(file_backend)) == 1
    assert len(receiver.received) == 1


def test_quiet_hours_hold_back_delivery_but_not_the_inbox(world, file_backend):
    night = timezone.make_aware(dt.datetime(2026, 3, 1, 23, 30))
    with override_settings(FANGKONG_QUIET_HOURS="22:00-07:00"):
        assert notify._quiet_until(night) == timezone.make_aware(dt.datetime(2026, 3, 2, 7, 0))
        assert notify._quiet_until(night.replace(hour=6)) == timezone.make_aware(
            dt.datetime(2026, 3, 1, 7, 0)
        )
        assert notify._quiet_until(night.replace(hour=12)) is None
        calm = notify.notify(kind="masks.stock_shortfall", subject="库存", recipient=world.hq)
        fever = notify.notify(kind="fever", subject="发热", recipient=world.hq)
    assert notify.unread_count(world.hq) == 2
    if calm.deliver_after is not None:  # the test ran inside quiet hours
        notify.deliver_pending()
        assert [m["subject"] for m in sent_lines(file_backend)] == ["发热"]
    assert fever.deliver_after is None and fever.urgent


def test_escalation_goes_up_once_unless_read(world):
    now = timezone.now()
    with override_settings(FANGKONG_ESCALATE_MINUTES="pairing.round_overdue=30"):
        [owner_note] = notify.alert(
            kind="pairing.round_overdue",
            subject="逾期",
            recipients=[world.cadre],
            key="overdue:1",
            subdistrict_id=world.sub.pk,
            neighborhood_id=world.hood_a.pk,
        )
        assert notify.escalate(now=now + dt.timedelta(minutes=10)) == 0
        assert notify.escalate(now=now + dt.timedelta(minutes=31)) == 1
        up = Notification.objects.get(recipient=world.staff_a)
        assert up.level == notify.LEVEL_COMMITTEE and up.subject.startswith("【升级】")
        assert notify.escalate(now=now + dt.timedelta(minutes=32)) == 0  # once
        # the committee does not read it either: HQ gets it, urgently
        assert notify.escalate(now=now + dt.timedelta(minutes=70)) == 1
        top = Notification.objects.get(recipient=world.hq)
        assert top.level == notify.LEVEL_HQ and top.urgent
        # an alert that was read is not escalated
        [read] = notify.alert(
            kind="pairing.round_overdue",
            subject="逾期2",
            recipients=[world.cadre],
            key="overdue:2",
            subdistrict_id=world.sub.pk,
            neighborhood_id=world.hood_a.pk,
        )
        notify.mark_read(user=world.cadre, ids=[read.pk])
        assert notify.escalate(now=now + dt.timedelta(minutes=200)) == 0
    assert owner_note.pk != up.pk


# ---------------------------------------------------------------------------------------------- inbox


def test_inbox_shows_only_ones_own_messages(world, as_persona):
    notify.notify(kind="fever", subject="给A的提醒", recipient=world.staff_a, link="/returnees/")
    notify.notify(kind="fever", subject="给B的提醒", recipient=world.staff_b)
    page = as_persona("staff_a").get("/inbox/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "给A的提醒" in text and "给B的提醒" not in text
    assert as_persona("anonymous").get("/inbox/").status_code == 302
    badge = as_persona("staff_a").get("/inbox/badge/").content.decode()
    assert 'data-count="1"' in badge


def test_inbox_filters_and_mark_read(world, as_persona):
    a = notify.notify(
        kind="fever", subject="发热提醒", recipient=world.staff_a, neighborhood_id=world.hood_a.pk
    )
    notify.notify(kind="missed_report", subject="漏报提醒", recipient=world.staff_a)
    client = as_persona("staff_a")
    text = client.get("/inbox/?kind=fever").content.decode()
    assert "发热提醒" in text and "漏报提醒" not in text
    text = client.get(f"/inbox/?neighborhood={world.hood_a.pk}").content.decode()
    assert "发热提醒" in text and "漏报提醒" not in text
    client.post("/inbox/read/", {"id": [a.pk]})
    assert notify.unread_count(world.staff_a) == 1
    text = client.get("/inbox/?state=unread").content.decode()
    assert "发热提醒" not in text and "漏报提醒" in text
    client.post("/inbox/read/", {"all": "1"})
    assert notify.unread_count(world.staff_a) == 0


def test_nobody_marks_anothers_message_read(world, as_persona):
    note = notify.notify(kind="fever", subject="给B", recipient=world.staff_b)
    as_persona("staff_a").post("/inbox/read/", {"id": [note.pk]})
    as_persona("hq").post("/inbox/read/", {"all": "1"})
    note.refresh_from_db()
    assert note.read_at is None


def test_open_marks_read_and_follows_only_local_links(world, as_persona):
    local = notify.notify(kind="fever", subject="x", recipient=world.staff_a, link="/returnees/")
    evil = notify.notify(kind="fever", subject="y", recipient=world.staff_a, link="https://evil.example/")
    client = as_persona("staff_a")
    answer = client.post("/inbox/read/", {"id": [local.pk], "open": "1"})
    assert answer.status_code == 302 and answer["Location"] == "/returnees/"
    answer = client.post("/inbox/read/", {"id": [evil.pk], "open": "1"})
    assert answer["Location"] == "/inbox/"


def test_bell_is_on_every_signed_in_page(world, as_persona):
    text = as_persona("staff_a").get("/").content.decode()
    assert 'id="bell"' in text and "/inbox/badge/" in text

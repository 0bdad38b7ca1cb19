"""The job runner: schedules, exactly-once claims, catch-up, failures and retries, the jobs page."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core import jobs
from fangkong.core.choices import AuditAction, JobStatus
from fangkong.core.models import AuditEvent, JobRun

UTC = dt.UTC


@pytest.fixture
def scratch_jobs():
    """Register test jobs for the duration of a test, and take them out afterwards."""
    added: list[str] = []

    def _add(job: jobs.Job) -> jobs.Job:
        jobs.register(job)
        added.append(job.name)
        return job

    yield _add
    for name in added:
        jobs._registry.pop(name, None)


@pytest.fixture
def only_scratch(monkeypatch):
    """Leave only the test's own jobs in the registry (the apps' jobs are tested in their apps)."""
    monkeypatch.setattr(jobs, "_registry", {})


# --------------------------------------------------------------------------------------------- schedules


def test_parse_schedule_forms():
    assert jobs.parse_schedule("every 5m").every == dt.timedelta(minutes=5)
    assert jobs.parse_schedule("every 30s").every == dt.timedelta(seconds=30)
    assert jobs.parse_schedule("daily 12:05 00:05").times == (dt.time(0, 5), dt.time(12, 5))
    assert jobs.parse_schedule("off").off
    for bad in ("every 5", "every m", "every 0m", "daily", "daily 25:00", "weekly 10:00", "every -1m"):
        with pytest.raises(jobs.ScheduleError):
            jobs.parse_schedule(bad)


@given(
    minutes=st.integers(min_value=1, max_value=180),
    start=st.integers(min_value=0, max_value=10**6),
    span=st.integers(min_value=0, max_value=3 * 86400),
)
@settings(max_examples=60, deadline=None)
def test_interval_periods_are_aligned_ordered_and_in_range(minutes, start, span):
    schedule = jobs.parse_schedule(f"every {minutes}m")
    after = dt.datetime(2020, 2, 1, tzinfo=UTC) + dt.timedelta(seconds=start)
    until = after + dt.timedelta(seconds=span)
    periods = schedule.periods(after, until)
    step = minutes * 60
    assert all(after < p <= until for p in periods)
    assert all(int(p.timestamp()) % step == 0 for p in periods)
    assert periods == sorted(set(periods))
    # exactly the aligned instants in the range
    assert len(periods) == int(until.timestamp() // step) - int(after.timestamp() // step)


@given(day_offset=st.integers(min_value=0, max_value=400), hours=st.integers(min_value=1, max_value=96))
@settings(max_examples=40, deadline=None)
def test_daily_periods_fall_on_local_times(day_offset, hours):
    schedule = jobs.parse_schedule("daily 00:05 12:05")
    after = timezone.make_aware(dt.datetime(2020, 1, 1) + dt.timedelta(days=day_offset, minutes=7))
    until = after + dt.timedelta(hours=hours)
    periods = schedule.periods(after, until)
    assert all(after < p <= until for p in periods)
    assert all(timezone.localtime(p).time() in (dt.time(0, 5), dt.time(12, 5)) for p in periods)
    assert len(periods) in (hours // 12, hours // 12 + 1)


def test_schedule_override_from_settings(scratch_jobs):
    job = scratch_jobs(jobs.Job("test.override", "t", lambda p: None, "every 5m"))
    with override_settings(FANGKONG_JOB_SCHEDULES="test.override=daily 01:00; other=off"):
        assert job.schedule().times == (dt.time(1, 0),)
    assert job.schedule().every == dt.timedelta(minutes=5)


# ---------------------------------------------------------------------------------------------- ticking


def test_tick_runs_a_due_period_once(db, only_scratch):
    calls: list[dt.datetime] = []
    jobs.register(jobs.Job("test.once", "t", lambda p: calls.append(p) or {"n": 1}, "every 5m"))
    now = dt.datetime(2026, 3, 1, 10, 7, tzinfo=UTC)
    runs = jobs.tick(now=now, worker="w1")
    assert [r.status for r in runs] == [JobStatus.OK]
    assert calls == [dt.datetime(2026, 3, 1, 10, 5, tzinfo=UTC)]
    assert runs[0].result == {"n": 1}
    # the same moment again, or another worker: nothing more runs
    assert jobs.tick(now=now, worker="w2") == []
    assert jobs.tick(now=now + dt.timedelta(minutes=2), worker="w1") == []
    assert len(calls) == 1
    # the next period runs once
    jobs.tick(now=now + dt.timedelta(minutes=4), worker="w2")
    assert calls[-1] == dt.datetime(2026, 3, 1, 10, 10, tzinfo=UTC)
    assert JobRun.objects.filter(job="test.once").count() == 2


def test_catch_up_each_and_latest(db, only_scratch):
    daily: list[dt.datetime] = []
    sweeps: list[dt.datetime] = []
    jobs.register(
        jobs.Job("test.daily", "d", lambda p: daily.append(p), "daily 23:55", catch_up=jobs.CATCH_UP_EACH),
        jobs.Job("test.sweep", "s", lambda p: sweeps.append(p), "every 5m"),
    )
    start = timezone.make_aware(dt.datetime(2026, 3, 1, 23, 56))
    jobs.tick(now=start)
    assert len(daily) == 1 and len(sweeps) == 1
    # the worker is down for three days and a bit
    later = start + dt.timedelta(days=3, hours=1)
    runs = jobs.tick(now=later)
    assert [timezone.localtime(p).date() for p in daily[1:]] == [
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 4),
    ]
    assert len(sweeps) == 2  # one run covers every missed five minutes
    sweep_run = next(r for r in runs if r.job == "test.sweep")
    assert sweep_run.result["covers"] == 3 * 288 + 12
    # catching up never runs a period twice
    assert jobs.tick(now=later) == []


def test_catch_up_is_bounded(db, only_scratch):
    seen: list[dt.datetime] = []
    jobs.register(jobs.Job("test.each", "e", seen.append, "daily 10:00", catch_up=jobs.CATCH_UP_EACH))
    first = timezone.make_aware(dt.datetime(2026, 1, 1, 10, 1))
    jobs.tick(now=first)
    with override_settings(FANGKONG_JOBS_CATCHUP_DAYS=3):
        jobs.tick(now=first + dt.timedelta(days=30))
    assert len(seen) == 1 + 3


def test_a_failing_job_is_retried_with_backoff_and_does_not_stop_others(db, only_scratch):
    state = {"fail": 2, "ok": 0}

    def flaky(period):
        if state["fail"]:
            state["fail"] -= 1
            raise RuntimeError("database down")
        return {"done": True}

    jobs.register(
        jobs.Job("test.flaky", "f", flaky, "every 1h", max_attempts=3),
        jobs.Job("test.fine", "g", lambda p: state.__setitem__("ok", state["ok"] + 1), "every 1h"),
    )
    now = dt.datetime(2026, 3, 1, 10, 1, tzinfo=UTC)
    jobs.tick(now=now)
    run = JobRun.objects.get(job="test.flaky")
    assert run.status == JobStatus.FAILED and "database down" in run.error
    assert run.next_attempt_at == now + dt.timedelta(minutes=1)
    assert state["ok"] == 1  # the other job ran
    jobs.tick(now=now + dt.timedelta(seconds=30))  # not yet due
    assert JobRun.objects.get(job="test.flaky").attempts == 1
    jobs.tick(now=now + dt.timedelta(minutes=1))
    run.refresh_from_db()
    assert (run.status, run.attempts) == (JobStatus.FAILED, 2)
    assert run.next_attempt_at == now + dt.timedelta(minutes=1) + dt.timedelta(minutes=2)
    jobs.tick(now=now + dt.timedelta(minutes=3))
    run.refresh_from_db()
    assert (run.status, run.attempts, run.result) == (JobStatus.OK, 3, {"done": True})


def test_a_job_out_of_attempts_is_dead(db, only_scratch):
    def broken(period):
        raise ValueError("bad data")

    jobs.register(jobs.Job("test.broken", "b", broken, "every 1h", max_attempts=2))
    now = dt.datetime(2026, 3, 1, 10, 1, tzinfo=UTC)
    jobs.tick(now=now)
    jobs.tick(now=now + dt.timedelta(minutes=5))
    run = JobRun.objects.get(job="test.broken")
    assert (run.status, run.attempts, run.next_attempt_at) == (JobStatus.DEAD, 2, None)
    jobs.tick(now=now + dt.timedelta(minutes=30))
    assert JobRun.objects.get(job="test.broken").attempts == 2


def test_a_run_left_by_a_dead_worker_is_recovered(db, only_scratch):
    seen: list[dt.datetime] = []
    jobs.register(jobs.Job("test.stuck", "s", seen.append, "every 1h", timeout_seconds=60))
    now = dt.datetime(2026, 3, 1, 10, 1, tzinfo=UTC)
    period = dt.datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    JobRun.objects.create(job="test.stuck", period=period, status=JobStatus.RUNNING, started_at=now)
    jobs.tick(now=now + dt.timedelta(seconds=30))
    assert seen == []  # still within its timeout: another worker may be running it
    jobs.tick(now=now + dt.timedelta(minutes=2))
    assert seen == [period]
    assert JobRun.objects.get(job="test.stuck").status == JobStatus.OK


def test_manual_run_is_queued_audited_and_run_by_the_next_tick(world, only_scratch):
    seen: list[dt.datetime] = []
    jobs.register(jobs.Job("test.manual", "m", seen.append, "off"))
    run = jobs.run_now(actor=world.hq, name="test.manual")
    assert run.status == JobStatus.QUEUED and run.manual
    assert AuditEvent.objects.filter(action=AuditAction.ACTION, object_type="core.jobrun").exists()
    jobs.tick()
    run.refresh_from_db()
    assert run.status == JobStatus.OK and len(seen) == 1
    from fangkong.core.exceptions import ScopeError

    with pytest.raises(ScopeError):
        jobs.run_now(actor=world.staff_a, name="test.manual")


def test_worker_command_once(db, only_scratch, capsys):
    jobs.register(jobs.Job("test.cmd", "c", lambda p: {"ok": 1}, "every 1m"))
    call_command("worker", "--once")
    out = capsys.readouterr().out
    assert "test.cmd" in out and "ok" in out


@pytest.mark.django_db(transaction=True)
def test_exactly_once_with_concurrent_workers(only_scratch):
    """Several workers tick at the same moment on real concurrent PostgreSQL connections; each period runs
    once. (The in-memory SQLite test database locks tables instead of waiting, so this runs on PostgreSQL.)"""
    if connections["default"].vendor != "postgresql":
        pytest.skip("concurrent workers are tested on PostgreSQL")
    calls: list[tuple[str, dt.datetime]] = []
    lock = threading.Lock()

    def job(name):
        def run(period):
            with lock:
                calls.append((name, period))

        return run

    jobs.register(
        jobs.Job("test.race", "r", job("minute"), "every 1m"),
        jobs.Job(
            "test.race_daily",
            "r2",
            job("daily"),
            "daily 00:00 06:00 12:00 18:00",
            catch_up=jobs.CATCH_UP_EACH,
        ),
    )
    start = dt.datetime(2026, 3, 1, 10, 0, 30, tzinfo=UTC)
    jobs.tick(now=start)
    later = start + dt.timedelta(days=2)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait()
            jobs.tick(now=later, worker=name)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(calls) == len(set(calls))
    assert JobRun.objects.filter(job="test.race").count() == 2
    assert JobRun.objects.filter(job="test.race_daily").count() == 1 + 8


# ------------------------------------------------------------------------------------------- jobs page


def test_jobs_page_personas(world, as_persona, only_scratch):
    jobs.register(jobs.Job("test.page", "页面任务", lambda p: {"rows": 3}, "every 5m"))
    jobs.tick()
    page = as_persona("hq").get("/jobs/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "页面任务" in text and "立即运行" in text
    auditor = as_persona("auditor").get("/jobs/")
    assert auditor.status_code == 200 and "立即运行" not in auditor.content.decode()
    for persona in ("staff_a", "cadre", "org_contact", "viewer"):
        assert as_persona(persona).get("/jobs/").status_code == 404
    assert as_persona("anonymous").get("/jobs/").status_code == 302
    assert as_persona("staff_a").post("/jobs/run/test.page/").status_code == 404
    assert as_persona("auditor").post("/jobs/run/test.page/").status_code == 404
    assert as_persona("hq").post("/jobs/run/no.such.job/").status_code == 404
    assert as_persona("hq").post("/jobs/run/test.page/").status_code == 302
    assert JobRun.objects.filter(job="test.page", manual=True, status=JobStatus.QUEUED).count() == 1


def test_every_registered_job_has_a_valid_schedule():
    names = {j.name for j in jobs.registered()}
    assert {
        "core.escalate",
        "core.daily_snapshot",
        "core.personal_purge",
        "core.purge_uploads",
        "pairing.generate_rounds",
        "pairing.overdue",
        "returnees.missed_reports",
        "returnees.referral_pending",
        "returnees.isolation_ending",
        "returnees.lift_suspensions",
        "masks.forfeit",
        "masks.stock_shortfall",
        "masks.rate_purge",
    } <= names
    for job in jobs.registered():
        assert not job.schedule().off, job.name

"""Periodic jobs: the platform acts on time by itself, exactly once per period, without an operator's cron.

A domain app registers its jobs from ``AppConfig.ready()``::

    from fangkong.core.jobs import Job, register

    register(Job("pairing.overdue", _("逾期打卡提醒"), detect_overdue_job, "every 5m"))

A job's function takes the period it covers (an aware datetime: the scheduled instant) and returns a small
JSON-safe summary. The schedule is a setting: the default given at registration, overridden per job by
``FANGKONG_JOB_SCHEDULES`` (``name=spec;name=spec``). Specs: ``every 30s`` / ``every 5m`` / ``every 2h``,
``daily 23:55`` or ``daily 12:05 20:05`` (local time), and ``off``.

**Exactly once.** A run is claimed by inserting its ``JobRun(job, period)`` row, which is unique; a second
worker that reaches the same period fails the insert and moves on. Retries and queued manual runs are claimed
with a conditional UPDATE (healthchecks' pattern), so two workers never run the same attempt.

**Catching up.** A worker that starts after being down runs the periods it missed: every missed period for a
job whose catch-up is ``each`` (a daily snapshot is computed for each missed day), or one run for the latest
period for a job whose catch-up is ``latest`` (an overdue sweep covers everything up to now, so 288 missed
five-minute periods are one run). Catch-up looks back at most ``FANGKONG_JOBS_CATCHUP_DAYS`` days, and only
for jobs that have run before (a fresh install starts from now).

**Failures.** A failing job is recorded with its error and retried with growing back-off up to its
``max_attempts``; then it is dead, listed on the jobs page. One job's failure never stops the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

logger = logging.getLogger("fangkong.jobs")

CATCH_UP_EACH = "each"
CATCH_UP_LATEST = "latest"


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    """When a job is due: every fixed interval (aligned to the epoch), or at local times each day."""

    every: dt.timedelta | None = None
    times: tuple[dt.time, ...] = ()
    spec: str = ""

    @property
    def off(self) -> bool:
        return self.every is None and not self.times

    def periods(self, after: dt.datetime, until: dt.datetime, *, limit: int = 10_000) -> list[dt.datetime]:
        """The scheduled instants in (after, until], oldest first (at most ``limit``, the newest kept)."""
        if self.off or until <= after:
            return []
        out: list[dt.datetime] = []
        if self.every is not None:
            step = self.every.total_seconds()
            first = math.floor(after.timestamp() / step) + 1
            last = math.floor(until.timestamp() / step)
            start = max(first, last - limit + 1)
            for k in range(start, last + 1):
                out.append(dt.datetime.fromtimestamp(k * step, tz=dt.UTC))
            return out
        tz = timezone.get_current_timezone()
        day = timezone.localtime(after, tz).date()
        end_day = timezone.localtime(until, tz).date()
        while day <= end_day:
            for clock in self.times:
                moment = timezone.make_aware(dt.datetime.combine(day, clock), tz)
                if after < moment <= until:
                    out.append(moment)
            day += dt.timedelta(days=1)
        return out[-limit:]

    def latest(self, until: dt.datetime) -> dt.datetime | None:
        """The newest scheduled instant at or before ``until``."""
        window = self.every if self.every is not None else dt.timedelta(days=2)
        found = self.periods(until - window - dt.timedelta(seconds=1), until)
        return found[-1] if found else None

    def next_after(self, moment: dt.datetime) -> dt.datetime | None:
        window = self.every if self.every is not None else dt.timedelta(days=2)
        found = self.periods(moment, moment + window + dt.timedelta(seconds=1), limit=1_000)
        return found[0] if found else None


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_schedule(spec: str) -> Schedule:
    text = " ".join(spec.strip().lower().split())
    if text in ("off", "never", ""):
        return Schedule(spec="off")
    head, _sep, rest = text.partition(" ")
    if head == "every":
        value, unit = rest[:-1], rest[-1:]
        if unit not in _UNITS or not value.isdigit() or int(value) <= 0:
            raise ScheduleError(f"bad interval in schedule {spec!r}: use e.g. 'every 5m'")
        return Schedule(every=dt.timedelta(seconds=int(value) * _UNITS[unit]), spec=text)
    if head == "daily":
        clocks = []
        for part in rest.split():
            try:
                clocks.append(dt.time.fromisoformat(part))
            except ValueError:
                raise ScheduleError(f"bad time {part!r} in schedule {spec!r}: use e.g. 'daily 23:55'")
        if not clocks:
            raise ScheduleError(f"schedule {spec!r} names no time")
        return Schedule(times=tuple(sorted(clocks)), spec=text)
    raise ScheduleError(f"unknown schedule {spec!r}: use 'every 5m', 'daily 23:55' or 'off'")


@dataclass(frozen=True)
class Job:
    name: str
    label: Any
    func: Callable[[dt.datetime], Any]
    default_schedule: str
    catch_up: str = CATCH_UP_LATEST
    max_attempts: int = 4
    timeout_seconds: int = 1800

    def schedule(self) -> Schedule:
        overrides = schedule_overrides()
        return parse_schedule(overrides.get(self.name, self.default_schedule))


_registry: dict[str, Job] = {}


def register(*jobs: Job) -> None:
    for job in jobs:
        parse_schedule(job.default_schedule)
        _registry[job.name] = job


def registered() -> list[Job]:
    return sorted(_registry.values(), key=lambda j: j.name)


def get(name: str) -> Job:
    return _registry[name]


def schedule_overrides() -> dict[str, str]:
    raw = getattr(settings, "FANGKONG_JOB_SCHEDULES", "") or ""
    out: dict[str, str] = {}
    for part in raw.split(";"):
        name, sep, spec = part.partition("=")
        if sep and name.strip():
            out[name.strip()] = spec.strip()
    return out


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _summary(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {
            str(k): (v if isinstance(v, int | float | str | bool) or v is None else str(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set):
        return {"count": len(value)}
    return {"result": value if isinstance(value, int | float | str | bool) else str(value)}


# --------------------------------------------------------------------------------------------- claiming


def claim(
    job: Job, period: dt.datetime, *, worker: str, now: dt.datetime | None = None, covers: int = 1
) -> Any:
    """Insert the run of ``job`` for ``period``; None when another worker already has it."""
    from fangkong.core.models import JobRun, JobStatus

    now = now or timezone.now()
    try:
        with transaction.atomic():
            return JobRun.objects.create(
                job=job.name,
                period=period,
                status=JobStatus.RUNNING,
                attempts=1,
                started_at=now,
                worker=worker[:80],
                result={"covers": covers} if covers > 1 else {},
            )
    except IntegrityError:
        return None


def _take(run_id: int, status: str, attempts: int, *, worker: str, now: dt.datetime) -> bool:
    """Take a queued run or a failed run due for retry: a conditional UPDATE only one worker wins."""
    from fangkong.core.models import JobRun, JobStatus

    return (
        JobRun.objects.filter(pk=run_id, status=status, attempts=attempts).update(
            status=JobStatus.RUNNING,
            attempts=attempts + (0 if status == JobStatus.QUEUED else 1),
            started_at=now,
            finished_at=None,
            worker=worker[:80],
        )
        == 1
    )


def due(now: dt.datetime | None = None) -> list[tuple[Job, dt.datetime, int]]:
    """(job, period, periods covered) for every scheduled period that has no run yet."""
    from fangkong.core.models import JobRun

    now = now or timezone.now()
    lookback = dt.timedelta(days=max(getattr(settings, "FANGKONG_JOBS_CATCHUP_DAYS", 7), 0))
    last_by_job = dict(
        JobRun.objects.filter(manual=False)
        .values("job")
        .annotate(last=Max("period"))
        .values_list("job", "last")
    )
    out: list[tuple[Job, dt.datetime, int]] = []
    for job in registered():
        schedule = job.schedule()
        if schedule.off:
            continue
        last = last_by_job.get(job.name)
        if last is None:
            latest = schedule.latest(now)
            if latest is not None:
                out.append((job, latest, 1))
            continue
        periods = schedule.periods(max(last, now - lookback), now)
        if not periods:
            continue
        if job.catch_up == CATCH_UP_EACH:
            out.extend((job, p, 1) for p in periods)
        else:
            out.append((job, periods[-1], len(periods)))
    return out


def execute(run: Any, *, now: dt.datetime | None = None) -> Any:
    """Run a claimed JobRun's function and record the outcome; never raises. Back-off counts from ``now``
    (the tick's moment; the clock by default)."""
    from fangkong.core.models import JobStatus

    job = _registry.get(run.job)
    base = now or timezone.now()
    started = time.monotonic()
    try:
        if job is None:
            raise LookupError(f"no job named {run.job!r} is registered")
        result = job.func(run.period)
    except Exception as exc:  # a failing job is recorded and retried; the others go on
        logger.exception("job %s (%s) failed", run.job, run.period)
        max_attempts = job.max_attempts if job is not None else 1
        run.status = JobStatus.DEAD if run.attempts >= max_attempts else JobStatus.FAILED
        run.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
        run.next_attempt_at = None if run.status == JobStatus.DEAD else base + _backoff(run.attempts)
    else:
        run.status = JobStatus.OK
        summary = _summary(result)
        if run.result.get("covers"):
            summary["covers"] = run.result["covers"]
        run.result = summary
        run.error = ""
        run.next_attempt_at = None
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.finished_at = base + dt.timedelta(milliseconds=run.duration_ms)
    run.save(update_fields=["status", "error", "next_attempt_at", "result", "finished_at", "duration_ms"])
    return run


def recover_stale(now: dt.datetime | None = None) -> int:
    """Runs left 'running' by a worker that died: failed, to be retried (or dead when out of attempts)."""
    from fangkong.core.models import JobRun, JobStatus

    now = now or timezone.now()
    recovered = 0
    for run in JobRun.objects.filter(status=JobStatus.RUNNING):
        job = _registry.get(run.job)
        timeout = dt.timedelta(seconds=job.timeout_seconds if job else 1800)
        if run.started_at and run.started_at < now - timeout:
            attempts_left = job is not None and run.attempts < job.max_attempts
            recovered += JobRun.objects.filter(
                pk=run.pk, status=JobStatus.RUNNING, attempts=run.attempts
            ).update(
                status=JobStatus.FAILED if attempts_left else JobStatus.DEAD,
                error="worker stopped while running",
                next_attempt_at=now if attempts_left else None,
                finished_at=now,
            )
    return recovered


def tick(*, now: dt.datetime | None = None, worker: str | None = None) -> list[Any]:
    """One pass of the scheduler: claim and run every due period, queued manual run and due retry."""
    from fangkong.core.models import JobRun, JobStatus

    worker = worker or worker_name()
    now = now or timezone.now()
    recover_stale(now)
    done: list[Any] = []
    for job, period, covers in due(now):
        run = claim(job, period, worker=worker, now=now, covers=covers)
        if run is not None:
            done.append(execute(run, now=now))
    waiting = JobRun.objects.filter(status=JobStatus.QUEUED).values_list("pk", "status", "attempts")
    retries = JobRun.objects.filter(status=JobStatus.FAILED, next_attempt_at__lte=now).values_list(
        "pk", "status", "attempts"
    )
    for pk, status, attempts in [*waiting, *retries]:
        if _take(pk, status, attempts, worker=worker, now=now):
            done.append(execute(JobRun.objects.get(pk=pk), now=now))
    return done


def run_now(*, actor: Any, name: str) -> Any:
    """Queue a run of ``name`` for the worker to pick up at its next tick (HQ or operator); audited."""
    from fangkong.core import audit
    from fangkong.core.choices import AuditAction
    from fangkong.core.exceptions import ScopeError
    from fangkong.core.models import JobRun, JobStatus

    if not may_run_jobs(actor):
        raise ScopeError("jobs")
    job = get(name)
    now = timezone.now()
    with transaction.atomic():
        run = JobRun.objects.create(
            job=job.name, period=now, status=JobStatus.QUEUED, attempts=1, manual=True, triggered_by=actor
        )
        audit.record(
            actor=actor,
            action=AuditAction.ACTION,
            obj=run,
            object_repr=f"{job.label}",
            note="run now",
        )
    return run


def may_run_jobs(user: Any) -> bool:
    from fangkong.core.choices import Role

    return bool(user and user.is_authenticated and (user.is_superuser or user.role == Role.HQ))


def may_see_jobs(user: Any) -> bool:
    from fangkong.core.choices import Role

    return bool(
        user and user.is_authenticated and (user.is_superuser or user.role in (Role.HQ, Role.AUDITOR))
    )


@dataclass
class JobRow:
    job: Job
    schedule: Schedule
    last: Any
    next_at: dt.datetime | None
    failures: int


def overview(now: dt.datetime | None = None) -> list[JobRow]:
    """Each job with its last run, next run and the number of failed or dead runs (for the jobs page)."""
    from django.db.models import Count, Q

    from fangkong.core.models import JobRun, JobStatus

    now = now or timezone.now()
    jobs = registered()
    names = [j.name for j in jobs]
    last_ids = (
        JobRun.objects.filter(job__in=names)
        .values("job")
        .annotate(last_id=Max("id"))
        .values_list("last_id", flat=True)
    )
    last = {r.job: r for r in JobRun.objects.filter(pk__in=list(last_ids))}
    failures = dict(
        JobRun.objects.filter(job__in=names)
        .values("job")
        .annotate(n=Count("id", filter=Q(status__in=[JobStatus.FAILED, JobStatus.DEAD])))
        .values_list("job", "n")
    )
    rows = []
    for job in jobs:
        schedule = job.schedule()
        rows.append(
            JobRow(
                job=job,
                schedule=schedule,
                last=last.get(job.name),
                next_at=None if schedule.off else schedule.next_after(now),
                failures=failures.get(job.name, 0),
            )
        )
    return rows


def run_forever(
    *,
    stop: Callable[[], bool],
    interval: float = 10.0,
    on_error: Callable[[BaseException], None] | None = None,
) -> None:
    """The scheduler loop of ``fangkong worker``: tick, then sleep, until ``stop()`` says so."""
    from django.db import close_old_connections

    worker = worker_name()
    while not stop():
        close_old_connections()
        try:
            tick(worker=worker)
        except Exception as exc:  # the loop survives a broken database moment; the next tick tries again
            logger.exception("scheduler tick failed")
            if on_error:
                on_error(exc)
        close_old_connections()
        slept = 0.0
        while slept < interval and not stop():
            time.sleep(0.2)
            slept += 0.2

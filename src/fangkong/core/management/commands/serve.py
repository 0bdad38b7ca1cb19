"""`fangkong serve`: production-like serving with gunicorn; WhiteNoise serves the collected static files.

Host, port, workers and threads come from the options, or FANGKONG_HOST, FANGKONG_PORT, FANGKONG_WORKERS and
FANGKONG_THREADS (``serving_shape``). SQLite lets one writer in at a time: there every writer of every process
queues on the backend's writer lock (core.backends.sqlite3) instead of SQLite's sleeping busy handler, and
each process runs 16 threads, each keeping its database connection (FANGKONG_CONN_MAX_AGE, 600 s unless set).
The process becomes gunicorn (exec), so signals reach it directly.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from fangkong.core.keycheck import KeysMissing, verify_keys
from fangkong.core.links import set_public_base_url_for
from fangkong.core.privacy import ACCESS_LOG_FORMAT
from fangkong.env import env_int, env_str


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 9)


SQLITE_THREADS = 16
SQLITE_CONN_MAX_AGE = 600  # seconds; FANGKONG_CONN_MAX_AGE wins


def serving_shape(*, sqlite: bool, workers: int | None, threads: int | None) -> tuple[int, int]:
    """(processes, threads per process). On SQLite, by default as many processes as CPUs (2 to 4) with 16
    threads each: every writer, whatever its process, queues on the backend's writer lock
    (core.backends.sqlite3), so more processes add CPU, not lock waits. On PostgreSQL 2 x CPUs + 1 processes
    (at most 9) with 4 threads each. The options win."""
    if sqlite:
        return workers or max(2, min(os.cpu_count() or 1, 4)), threads or SQLITE_THREADS
    return workers or default_workers(), threads or 4


def gunicorn_argv(
    *, host: str, port: int, workers: int, threads: int, timeout: int = 60, access_log: bool = True
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "fangkong.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        *(["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT] if access_log else []),
        "--forwarded-allow-ips",
        env_str("FANGKONG_FORWARDED_ALLOW_IPS", "") or "127.0.0.1",
    ]


class Command(BaseCommand):
    help = "用 gunicorn 提供服务（先 collectstatic，由 WhiteNoise 提供静态文件）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=env_str("FANGKONG_HOST", "") or "127.0.0.1")
        parser.add_argument("--port", type=int, default=env_int("FANGKONG_PORT", 8000))
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("FANGKONG_WORKERS", 0) or None,
            help="进程数",
        )
        parser.add_argument(
            "--threads", type=int, default=env_int("FANGKONG_THREADS", 0) or None, help="每个进程的线程数"
        )
        parser.add_argument("--no-collectstatic", action="store_true", help="跳过 collectstatic")
        parser.add_argument("--migrate", action="store_true", help="启动前先执行数据库迁移")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SECRET_KEY:
            raise CommandError("未设置 FANGKONG_SECRET_KEY（本地演示请用 `fangkong demo`）。")
        if not settings.FANGKONG_DATA_KEYS or not settings.FANGKONG_HASH_KEY:
            raise CommandError(
                "未设置 FANGKONG_DATA_KEY / FANGKONG_HASH_KEY（本地演示请先运行 `fangkong demo`）。"
            )
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        try:
            verify_keys()
        except KeysMissing as exc:
            raise CommandError(str(exc))
        if not options["no_collectstatic"]:
            os.makedirs(settings.STATIC_ROOT, exist_ok=True)
            call_command("collectstatic", interactive=False, verbosity=0)
        set_public_base_url_for(options["host"], options["port"])  # the environment carries it to gunicorn
        sqlite = connection.vendor == "sqlite"
        workers, threads = serving_shape(
            sqlite=sqlite, workers=options["workers"], threads=options["threads"]
        )
        argv = gunicorn_argv(host=options["host"], port=options["port"], workers=workers, threads=threads)
        self.stdout.write(
            f"fangkong: http://{options['host']}:{options['port']}/ （gunicorn，{workers} 个进程 × {threads} 个线程）"
        )
        sys.stdout.flush()
        sys.stderr.flush()
        from fangkong.core.worker import spawn_child

        # The job runner runs beside gunicorn and stops when this process (gunicorn after the exec) ends.
        spawn_child()
        if sqlite:  # each gunicorn thread keeps its connection instead of reopening the file on every request
            os.environ.setdefault("FANGKONG_CONN_MAX_AGE", str(SQLITE_CONN_MAX_AGE))
        os.execv(argv[0], argv)

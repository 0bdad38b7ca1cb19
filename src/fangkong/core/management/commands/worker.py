"""`fangkong worker`: the job runner alone (periodic jobs, notification delivery, one-off tasks).

``--once`` runs one scheduler tick and one delivery pass, then exits (for cron-less checks and tests).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fangkong.core import jobs, notify
from fangkong.core.worker import Worker


class Command(BaseCommand):
    help = "运行后台任务：定时任务、通知发送和长任务队列。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="执行一次到期的定时任务并发送通知后退出")
        parser.add_argument("--tick", type=float, default=None, help="定时任务检查间隔（秒）")
        parser.add_argument("--parent", type=int, default=None, help="随该进程退出（由 demo/serve 使用）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            runs = jobs.tick()
            sent = notify.deliver_pending()
            for run in runs:
                self.stdout.write(f"{run.job} {run.period:%Y-%m-%d %H:%M} {run.status} {run.result}")
            self.stdout.write(f"sent {sent}")
            return
        self.stdout.write("fangkong worker: 定时任务、通知发送和长任务队列已启动（Ctrl-C 退出）")
        Worker(tick_seconds=options["tick"]).run(parent_pid=options["parent"])

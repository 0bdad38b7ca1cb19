"""Turn missed twice-daily health reports into follow-up tasks (run every few minutes, e.g. from cron)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fangkong.returnees.services import generate_missed_report_tasks


class Command(BaseCommand):
    help = "Create follow-up tasks for missed health reports (slots in local time)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--subdistrict", type=int, default=None, help="only this sub-district id")
        parser.add_argument("--now", default=None, help="ISO datetime to evaluate at (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError("--now must be an ISO datetime with offset, e.g. 2020-02-16T00:00+08:00")
            if now.tzinfo is None:
                raise CommandError("--now needs a UTC offset")
        count = generate_missed_report_tasks(subdistrict_id=options["subdistrict"], now=now)
        self.stdout.write(f"{count} follow-up task(s) created")

"""`fangkong purge-personal-data --before DATE [--apply]`: blank personal data past its purpose.

A dry run by default: it lists, per rule, how many rows would lose their personal columns. With ``--apply``
it blanks them in one transaction, with an audit event per rule. Rules live in ``fangkong.core.purge``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core import purge


class Command(BaseCommand):
    help = "清除已过使用目的的个人信息（证件号、手机号的密文、索引和掩码）。默认只统计，--apply 才执行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="截止日期 YYYY-MM-DD：此前已结束目的的记录")
        parser.add_argument("--apply", action="store_true", help="执行清除（默认只统计）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            before = dt.date.fromisoformat(options["before"])
        except ValueError:
            raise CommandError(f"--before 应为日期 YYYY-MM-DD，收到 {options['before']!r}")
        if options["apply"]:
            counts = purge.purge_personal_data(actor=None, before=before)
            verb = "已清除"
        else:
            counts = purge.plan(before)
            verb = "将清除"
        total = 0
        for item in counts:
            total += item.rows
            self.stdout.write(
                f"  {item.rule.model:<28} {item.rows:>9,}  {item.rule.label}（{item.rule.key}）"
            )
        self.stdout.write(f"{verb} {total:,} 条记录的个人信息（{before} 之前结束使用目的）。")
        if not options["apply"]:
            self.stdout.write("这是演练，未做任何修改；加 --apply 执行。")

"""`fangkong seed-demo`: generate the demo sub-district (or district) into the current database."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.project import demo


class Command(BaseCommand):
    help = "生成演示街道：34 个居民区、15 万居民、100 名下沉干部等（--scale district 生成 8 个街道）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=demo.SCALES, default="subdistrict", help="规模")
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子（同一种子生成同样的数据）"
        )
        # Smaller shapes for tests and quick looks; not part of the documented interface.
        parser.add_argument("--households", type=int, default=None, help=argparse.SUPPRESS)
        parser.add_argument("--residents", type=int, default=None, help=argparse.SUPPRESS)
        parser.add_argument("--no-apps", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        result = generate(self, options)
        self.stdout.write(demo.format_accounts(result.accounts or demo.demo_account_rows()))


def generate(command: BaseCommand, options: dict[str, Any]) -> demo.DemoResult:
    """Run the generator with the command's options and print what it wrote."""
    verbosity = options.get("verbosity", 1)

    def log(message: str) -> None:
        if verbosity >= 1:
            command.stdout.write(message)

    try:
        result = demo.build_demo(
            scale=options.get("scale") or "subdistrict",
            seed=options.get("seed") or demo.DEFAULT_SEED,
            households=options.get("households"),
            residents=options.get("residents"),
            run_apps=not options.get("no_apps"),
            log=log,
        )
    except ValueError as exc:
        raise CommandError(str(exc))
    if verbosity >= 1:
        for label, count in sorted(result.counts.items()):
            command.stdout.write(f"  {label:<28} {count:>9,}")
        for app, seconds in sorted(result.app_seconds.items()):
            command.stdout.write(f"  {app + '.demo.seed':<28} {seconds:>8.1f}s")
        if result.snapshot_seconds:
            command.stdout.write(f"  {'core.figures.snapshot':<28} {result.snapshot_seconds:>8.1f}s")
        command.stdout.write(
            command.style.SUCCESS(
                f"演示数据已生成：{result.seconds:.1f} 秒（台账 {result.registry_seconds:.1f} 秒）。"
            )
        )
    return result

"""`fangkong demo`: a local install in one command.

1. make sure ``var/`` exists and holds ``secrets.json`` (secret key, data key, hash key), written once;
2. migrate the database (SQLite in WAL mode under ``var/`` unless DATABASE_URL says otherwise);
3. build the demo sub-district when the database holds no sub-district yet (a second run keeps what is there);
4. print the demo accounts, one per role;
5. serve on http://127.0.0.1:8000 (Django's server, no autoreload); ``--no-serve`` stops after step 4.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core.keycheck import KeysMissing, verify_keys
from fangkong.core.links import set_public_base_url_for
from fangkong.core.localsecrets import ensure_secrets, secrets_path
from fangkong.env import env_int, env_str
from fangkong.project import demo
from fangkong.project.management.commands.seed_demo import generate


class Command(BaseCommand):
    help = "本地演示：生成密钥、迁移数据库、首次运行时生成演示街道、打印演示账号，然后在 127.0.0.1:8000 提供服务。"

    # Runs before the database has tables; runserver does its own checks.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="准备好数据后退出，不启动服务")
        parser.add_argument("--host", default=env_str("FANGKONG_HOST", "") or "127.0.0.1")
        parser.add_argument("--port", type=int, default=env_int("FANGKONG_PORT", 8000))
        parser.add_argument("--scale", choices=demo.SCALES, default="subdistrict", help="演示数据规模")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子")
        parser.add_argument("--households", type=int, default=None, help=argparse.SUPPRESS)
        parser.add_argument("--residents", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        if ensure_secrets():
            self.stdout.write(f"已生成本地密钥：{secrets_path()}（请妥善保管，勿提交到版本库）")
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        try:
            verify_keys()
        except KeysMissing as exc:
            raise CommandError(str(exc))
        if demo.demo_exists():
            self.stdout.write("数据库中已有街道数据，保留现有数据，不再生成演示街道。")
        else:
            self.stdout.write("正在生成演示街道 …")
            generate(self, {**options, "no_apps": False})
        rows = demo.demo_account_rows()
        if rows:
            self.stdout.write("")
            self.stdout.write("演示账号（所有账号密码相同）：")
            self.stdout.write(demo.format_accounts(rows))
            self.stdout.write("")
        if options["no_serve"]:
            return
        if not settings.DEBUG:
            self.stderr.write(
                "提示：未设置 FANGKONG_DEBUG=1。生产设置下会话 Cookie 仅经 HTTPS 发送，"
                "http 上的演示无法登录；演示请用 `make demo`，生产请用 `fangkong serve`。"
            )
            call_command("collectstatic", interactive=False, verbosity=0)
        base = set_public_base_url_for(options["host"], options["port"])
        self.stdout.write(f"请在浏览器打开 http://{options['host']}:{options['port']}/ （Ctrl-C 退出）")
        self.stdout.write(f"二维码与公开链接指向 {base}（FANGKONG_PUBLIC_BASE_URL）")
        from fangkong.core.worker import spawn_child

        worker = spawn_child()
        if worker is not None:
            self.stdout.write("后台任务进程已启动（定时任务、提醒发送）。")
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()

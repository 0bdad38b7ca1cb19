"""`fangkong restore DIR`: put a backup back and check that its personal data decrypts.

The keys come from ``--keys FILE`` (a backup's keys.json), else from DIR/keys.json, else from the current
configuration. They are checked against the backup's key fingerprints before the database is touched; after
the restore, sample rows of every personal column are decrypted and their lookup hashes recomputed. With a
local install (keys in var/secrets.json) the file is updated with the backup's keys; when the keys come from
the environment, the command prints the values to deploy. A database that already has accounts is only
replaced with ``--force``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core import audit, crypto
from fangkong.core.backup import (
    KEYS,
    BackupError,
    current_keys,
    database_has_accounts,
    read_keys,
    restore_backup,
    write_private,
)
from fangkong.core.choices import AuditAction


class Command(BaseCommand):
    help = "从备份恢复数据库，并检查个人信息能用密钥解密。"

    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="备份目录（fangkong backup 写出的）")
        parser.add_argument("--keys", help="密钥文件（默认：备份目录中的 keys.json，或当前配置的密钥）")
        parser.add_argument("--force", action="store_true", help="覆盖已有账号的数据库")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["source"])
        keys_path = Path(options["keys"]) if options["keys"] else source / KEYS
        try:
            keys = read_keys(keys_path) if keys_path.exists() else current_keys()
        except BackupError as exc:
            raise CommandError(str(exc))
        if not keys.get("data_keys") or not keys.get("hash_key"):
            raise CommandError("没有密钥：请用 --keys 指定备份的密钥文件。")
        if database_has_accounts() and not options["force"]:
            raise CommandError("当前数据库已有数据；确认要用备份覆盖时加 --force。")
        try:
            problems = restore_backup(source, keys)
        except BackupError as exc:
            raise CommandError(str(exc))
        self._install_keys(keys)
        if problems:
            raise CommandError(
                "已恢复数据库，但其中的个人信息无法用这些密钥读取：\n"
                + "\n".join(f"  - {p}" for p in problems)
            )
        audit.record(
            actor=None,
            action=AuditAction.ACTION,
            object_type="core.backup",
            object_id=source.name,
            object_repr=f"恢复 {source.name}",
            note="从备份恢复数据库",
        )
        self.stdout.write(f"已从 {source} 恢复数据库；抽查的个人信息均能解密，查找索引一致。")

    def _install_keys(self, keys: dict[str, Any]) -> None:
        data_keys = [str(k) for k in keys["data_keys"]]
        hash_key = str(keys["hash_key"])
        if data_keys == list(settings.FANGKONG_DATA_KEYS) and hash_key == settings.FANGKONG_HASH_KEY:
            return
        settings.FANGKONG_DATA_KEYS, settings.FANGKONG_HASH_KEY = data_keys, hash_key
        crypto._keyring.cache_clear()
        secrets_file = Path(settings.VAR_DIR) / "secrets.json"
        if "FANGKONG_DATA_KEY" in os.environ or "FANGKONG_HASH_KEY" in os.environ:
            self.stdout.write("请在所有服务器上设置以下环境变量（换成备份的密钥）并重启：")
            self.stdout.write(f"FANGKONG_DATA_KEY={','.join(data_keys)}")
            self.stdout.write(f"FANGKONG_HASH_KEY={hash_key}")
            return
        data = json.loads(secrets_file.read_text()) if secrets_file.exists() else {}
        data.update({"data_keys": data_keys, "hash_key": hash_key})
        if keys.get("secret_key") and not data.get("secret_key"):
            data["secret_key"] = keys["secret_key"]
        write_private(secrets_file, data)
        self.stdout.write(f"已把备份的密钥写入 {secrets_file}。")

"""`fangkong backup`: an online copy of the database and, in a separate file, the keys it needs.

SQLite is copied with its backup API (consistent while the platform keeps serving), PostgreSQL with
``pg_dump --format=custom``. ``--keys-output`` writes the keys file somewhere else than the copy (recommended:
the copy alone reveals no personal data, the keys file alone holds none). See core.backup.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core import audit
from fangkong.core.backup import BackupError, create_backup
from fangkong.core.choices import AuditAction


class Command(BaseCommand):
    help = "备份数据库（在线复制：SQLite 用备份接口，PostgreSQL 用 pg_dump），密钥另存一个文件。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="备份目录（默认 var/backups/<时间>/，须为新目录或空目录）")
        parser.add_argument("--keys-output", help="密钥文件另存到这里（默认备份目录中的 keys.json）")

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        output = Path(options["output"] or Path(settings.VAR_DIR) / "backups" / stamp)
        keys_output = Path(options["keys_output"]) if options["keys_output"] else None
        try:
            manifest = create_backup(output, keys_output=keys_output)
        except BackupError as exc:
            raise CommandError(str(exc))
        audit.record(
            actor=None,
            action=AuditAction.ACTION,
            object_type="core.backup",
            object_id=stamp,
            object_repr=f"备份 {output.name}",
            changes={"engine": manifest["engine"], "database": manifest["database"]},
            note="备份数据库",
        )
        self.stdout.write(f"已备份到 {output}（{manifest['database']}）。")
        self.stdout.write(
            f"密钥文件：{keys_output or output / 'keys.json'}（仅所有者可读；请与数据库副本分开保管）。"
        )

"""`fangkong purge-uploads`: delete spreadsheet uploads past settings.FANGKONG_UPLOAD_TTL_SECONDS.

Every upload already runs the same purge; this command is for a job runner (cron, a systemd timer), so
that expired uploads also go on a server where nobody uploads for a while.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangkong.core.spreadsheets import purge_expired_uploads


class Command(BaseCommand):
    help = "删除已过保存期限的表格上传文件（FANGKONG_UPLOAD_TTL_SECONDS）。"

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = purge_expired_uploads()
        self.stdout.write(f"已删除 {deleted} 个过期的上传文件。")

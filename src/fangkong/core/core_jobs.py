"""The platform's own periodic jobs: escalation of unread alerts, the daily figures snapshot and the
personal-data purge by policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import exports, figures, notify, purge
from fangkong.core.jobs import CATCH_UP_EACH, Job, register
from fangkong.core.policies import get_policy


def escalate_job(period: dt.datetime) -> dict[str, int]:
    return {"escalated": notify.escalate(now=period)}


def purge_job(period: dt.datetime) -> dict[str, Any]:
    """Per sub-district: personal data whose purpose ended more than the policy's retention days ago is
    reported to HQ (the default), or blanked when the sub-district's policy says ``apply``."""
    from django.apps import apps

    today = timezone.localtime(period).date()
    applied = reported = 0
    for sub_id in apps.get_model("registry", "SubDistrict").objects.values_list("pk", flat=True):
        days = int(get_policy(sub_id, "personal_data_retention_days", today))
        before = today - dt.timedelta(days=days)
        if get_policy(sub_id, "personal_data_purge", today) == "apply":
            counts = purge.purge_personal_data(actor=None, before=before, subdistrict_id=sub_id)
            applied += sum(c.rows for c in counts)
            continue
        counts = [c for c in purge.plan(before, subdistrict_id=sub_id) if c.rows]
        if not counts:
            continue
        reported += sum(c.rows for c in counts)
        notify.alert(
            kind="core.purge_report",
            subject=_("个人信息清理预检：%(n)d 条记录已过使用目的 %(d)d 天")
            % {"n": sum(c.rows for c in counts), "d": days},
            body="\n".join(f"{c.rule.label}：{c.rows}" for c in counts)
            + "\n"
            + _("如需自动清理，请在政策设置中将“个人信息清理方式”设为 apply。"),
            recipients=notify.hq_of(sub_id),
            key=f"core.purge_report:{sub_id}:{today.isoformat()}",
            subdistrict_id=sub_id,
            level=notify.LEVEL_HQ,
        )
    return {"applied": applied, "reported": reported}


def purge_uploads_job(period: dt.datetime) -> dict[str, int]:
    from fangkong.core.spreadsheets import purge_expired_uploads

    return {"deleted": purge_expired_uploads()}


def register_jobs() -> None:
    register(
        Job("core.escalate", gettext_lazy("未读提醒逐级升级"), escalate_job, "every 1m"),
        Job(
            "core.daily_snapshot",
            gettext_lazy("每日指标快照"),
            figures.snapshot_job,
            "daily 23:55",
            catch_up=CATCH_UP_EACH,
        ),
        Job("core.personal_purge", gettext_lazy("个人信息按政策清理"), purge_job, "daily 03:30"),
        Job("core.purge_uploads", gettext_lazy("删除过期的表格上传文件"), purge_uploads_job, "every 30m"),
        Job("core.expire_exports", gettext_lazy("删除过期的导出文件"), exports.expire_exports, "every 1h"),
    )

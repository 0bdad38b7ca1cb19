"""The firm status machine (复工状态): one table of the allowed transitions, each with the action that makes
it. Every status change goes through ``services.change_status``, which refuses a pair not in this table."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.inspections.choices import FirmStatus as S

# (from, to) -> what the transition is called on the firm page
TRANSITIONS: dict[tuple[str, str], object] = {
    (S.NOT_RESUMED, S.APPLIED): _("提交复工申请"),
    (S.NOT_RESUMED, S.EARLY): _("发现提前复工"),
    (S.APPLIED, S.APPROVED): _("批准复工"),
    (S.APPLIED, S.NOT_RESUMED): _("退回申请"),
    (S.APPLIED, S.EARLY): _("发现提前复工"),
    (S.APPROVED, S.RESUMED): _("确认已复工"),
    (S.EARLY, S.DISSUADED): _("劝阻停工"),
    (S.EARLY, S.SUPERVISED): _("移交专项督查组"),
    (S.DISSUADED, S.EARLY): _("再次发现开工"),
    (S.DISSUADED, S.SUPERVISED): _("移交专项督查组"),
    (S.DISSUADED, S.APPLIED): _("提交复工申请"),
    (S.SUPERVISED, S.NOT_RESUMED): _("督查结案：已停工"),
    (S.SUPERVISED, S.APPLIED): _("提交复工申请"),
}

# Transitions that only a service makes with its own record (an application, a visit, a case): the firm
# page's direct controls leave them out.
THROUGH_RECORDS = {
    (S.NOT_RESUMED, S.APPLIED),
    (S.DISSUADED, S.APPLIED),
    (S.SUPERVISED, S.APPLIED),
    (S.APPLIED, S.APPROVED),
    (S.APPLIED, S.NOT_RESUMED),
}

# Firms on the daily call list: not yet allowed to open.
ON_CALL_LIST = tuple(s for s in S.values if s not in (S.APPROVED, S.RESUMED))


def allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in TRANSITIONS


def next_statuses(status: str) -> list[str]:
    """The statuses reachable from ``status`` in one step, in the order of FirmStatus."""
    return [to for to in S.values if (status, to) in TRANSITIONS]


def direct_statuses(status: str) -> list[str]:
    """The statuses the firm page offers as plain transitions (not made through an application)."""
    return [to for to in next_statuses(status) if (status, to) not in THROUGH_RECORDS]

"""The firm's public application link (复工申请链接): an unguessable per-firm token that the office hands to the
firm's contact (link or QR code). Only its hash is stored; issuing a new one voids the old one. The page it
opens files a new application (``apply_for_resumption`` with ``actor=None``): it never changes what staff
recorded, and the office approves or returns it as any other."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.services import check_write_scope
from fangkong.inspections.models import Firm

TOKEN_MIN, TOKEN_MAX = 20, 100


def hash_link_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic(durable=True)
def issue_application_link(*, actor: Any, firm: Firm) -> str:
    """A new public application link for ``firm`` (shown once); the previous link stops working."""
    current = Firm.objects.select_for_update().get(pk=firm.pk)
    check_write_scope(actor, current)
    if current.merged_into_id:
        raise ScopeError("merged")
    token = secrets.token_urlsafe(32)
    current.link_token_hash = hash_link_token(token)
    current.save(update_fields=["link_token_hash", "updated_at"])
    audit.record(actor=actor, action=AuditAction.ACTION, obj=current, note=_("发放复工申请链接"))
    firm.link_token_hash = current.link_token_hash
    return token


def firm_for_link(token: str) -> Firm | None:
    """The firm a public application link belongs to; None for a forged or replaced link or a merged firm."""
    if not token or not TOKEN_MIN <= len(token) <= TOKEN_MAX:
        return None
    return (
        Firm.objects.select_related("organization")
        .filter(link_token_hash=hash_link_token(token), merged_into__isnull=True)
        .first()
    )

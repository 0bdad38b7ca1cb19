"""Notification backends: console, file and webhook (an SMS gateway plugs in as another backend).

``notify(...)`` stores the message for the in-app inbox and sends it through the configured backends after
the surrounding transaction commits.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("fangkong.notify")


def _console(message: dict[str, Any]) -> None:
    print(f"[notify] {message['kind']}: {message['subject']} — {message['body']}")


def _file(message: dict[str, Any]) -> None:
    path = Path(settings.FANGKONG_NOTIFY_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(message, ensure_ascii=False) + "\n")


def _webhook(message: dict[str, Any]) -> None:
    url = settings.FANGKONG_NOTIFY_WEBHOOK_URL
    if not url:
        return
    req = urllib.request.Request(
        url, data=json.dumps(message).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        urllib.request.urlopen(req, timeout=5).close()
    except OSError:
        logger.warning("webhook notification failed", exc_info=True)


BACKENDS = {"console": _console, "file": _file, "webhook": _webhook}


def send(message: dict[str, Any]) -> None:
    for name in settings.FANGKONG_NOTIFY_BACKENDS:
        backend = BACKENDS.get(name)
        if backend is None:
            logger.warning("unknown notification backend %s", name)
            continue
        backend(message)


def notify(
    *,
    kind: str,
    subject: str,
    body: str = "",
    recipient: Any = None,
    subdistrict_id: int | None = None,
    neighborhood_id: int | None = None,
) -> Any:
    from fangkong.core.models import Notification

    note = Notification.objects.create(
        kind=kind,
        subject=subject[:200],
        body=body,
        recipient=recipient,
        subdistrict_id=subdistrict_id,
        neighborhood_id=neighborhood_id,
    )
    announce(
        note.pk,
        kind=kind,
        subject=subject,
        body=body,
        recipient=recipient,
        subdistrict_id=subdistrict_id,
        neighborhood_id=neighborhood_id,
    )
    return note


def announce(
    note_id: int,
    *,
    kind: str,
    subject: str,
    body: str = "",
    recipient: Any = None,
    subdistrict_id: int | None = None,
    neighborhood_id: int | None = None,
) -> None:
    """Send a stored notification through the backends once the surrounding transaction commits (at once in
    autocommit). ``notify`` stores and announces; a service that wrote the row in its own statement announces
    it here."""
    message = {
        "id": note_id,
        "kind": kind,
        "subject": subject,
        "body": body,
        "recipient": getattr(recipient, "username", None),
        "subdistrict_id": subdistrict_id,
        "neighborhood_id": neighborhood_id,
        "at": timezone.now().isoformat(),
    }
    transaction.on_commit(lambda: send(message))

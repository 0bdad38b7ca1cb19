"""Alerts and notifications: stored for the in-app inbox, delivered by the job runner.

``notify(...)`` stores one message; ``alert(...)`` stores one per named recipient, once per recipient and
de-duplication key (one fever is one alert per recipient). Nothing is sent inside a request: ``fangkong
worker`` (started with ``fangkong demo`` and ``fangkong serve``) delivers pending messages through the
configured backends (console, file, webhook; an SMS gateway sits behind the webhook) with retries and growing
back-off, at least once: the webhook receives an idempotency key (the same on every retry), so a receiver can
drop a repeat. After ``FANGKONG_NOTIFY_MAX_ATTEMPTS`` failures a message is dead and listed on the jobs page.

Quiet hours (``FANGKONG_QUIET_HOURS``, e.g. ``22:00-07:00``) hold back the delivery of a non-urgent message
until they end; the inbox shows it at once. Fevers and escalations to HQ are urgent.

Escalation: an alert with a de-duplication key that nobody of its level has read within the minutes set for
its kind (``FANGKONG_ESCALATE_MINUTES``, e.g. ``fever=30``) goes to the next level: the person in charge →
the neighborhood committee → HQ.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fangkong.core.choices import DeliveryStatus, Role

logger = logging.getLogger("fangkong.notify")

URGENT_KINDS = {"fever"}
LEVEL_OWNER, LEVEL_COMMITTEE, LEVEL_HQ = 0, 1, 2


class DeliveryError(Exception):
    pass


def _console(message: dict[str, Any]) -> None:
    print(f"[notify] {message['kind']}: {message['subject']} — {message['body']}", flush=True)


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
        url,
        data=json.dumps(message, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": message["idempotency_key"]},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            if response.status >= 300:
                raise DeliveryError(f"webhook answered {response.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered {exc.code}") from exc
    except OSError as exc:
        raise DeliveryError(f"webhook unreachable: {exc}") from exc


BACKENDS = {"console": _console, "file": _file, "webhook": _webhook}


# ------------------------------------------------------------------------------------------- storing


def _quiet_until(now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet hours ``now`` falls in, or None outside them."""
    spec = getattr(settings, "FANGKONG_QUIET_HOURS", "") or ""
    start_text, sep, end_text = spec.partition("-")
    if not sep:
        return None
    start, end = dt.time.fromisoformat(start_text.strip()), dt.time.fromisoformat(end_text.strip())
    local = timezone.localtime(now)
    clock = local.time()
    inside = (start <= clock < end) if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)  # type: ignore[arg-type]


def _deliver_after(urgent: bool, now: dt.datetime) -> dt.datetime | None:
    return None if urgent else _quiet_until(now)


def deliver_after(kind: str, now: dt.datetime) -> dt.datetime | None:
    """When a message of ``kind`` stored at ``now`` may be sent (None: at once), as ``notify`` decides it; for
    a statement that stores its notification in its own SQL."""
    return _deliver_after(kind in URGENT_KINDS, now)


def notify(
    *,
    kind: str,
    subject: str,
    body: str = "",
    recipient: Any = None,
    subdistrict_id: int | None = None,
    neighborhood_id: int | None = None,
    link: str = "",
    dedupe_key: str = "",
    urgent: bool | None = None,
    level: int = LEVEL_OWNER,
    now: dt.datetime | None = None,
) -> Any:
    """Store one message for ``recipient`` (None: a message with no account behind it, such as a household's
    voucher text); the worker delivers it. With a ``dedupe_key`` a recipient gets it once: a repeat answers
    the stored message."""
    from fangkong.core.models import Notification

    urgent = kind in URGENT_KINDS if urgent is None else urgent
    now = now or timezone.now()
    fields = dict(
        kind=kind,
        subject=subject[:200],
        body=body,
        recipient=recipient,
        subdistrict_id=subdistrict_id,
        neighborhood_id=neighborhood_id,
        link=link[:300],
        dedupe_key=dedupe_key[:120],
        urgent=urgent,
        level=level,
        deliver_after=_deliver_after(urgent, now),
        created_at=now,
    )
    if dedupe_key and recipient is not None:
        existing = Notification.objects.filter(recipient=recipient, dedupe_key=fields["dedupe_key"]).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return Notification.objects.create(**fields)
        except IntegrityError:
            return Notification.objects.get(recipient=recipient, dedupe_key=fields["dedupe_key"])
    return Notification.objects.create(**fields)


@dataclass
class Alert:
    """One alert for ``alert_many``: its text, named recipients and de-duplication key."""

    kind: str
    subject: str
    recipients: list[Any]
    key: str
    body: str = ""
    link: str = ""
    subdistrict_id: int | None = None
    neighborhood_id: int | None = None
    level: int = LEVEL_OWNER
    urgent: bool | None = None


def alert(
    *,
    kind: str,
    subject: str,
    recipients: Iterable[Any],
    key: str,
    body: str = "",
    link: str = "",
    subdistrict_id: int | None = None,
    neighborhood_id: int | None = None,
    level: int = LEVEL_OWNER,
    urgent: bool | None = None,
    now: dt.datetime | None = None,
    new_key: bool = False,
) -> list[Any]:
    """One stored alert per distinct active recipient, once per ``key``. With nobody named at this level, the
    alert goes to the next level up (committee, then HQ), so an alert always reaches somebody. ``new_key``:
    the key names a row made in the caller's transaction, so no alert can have it yet; stored in one insert
    without looking for one."""
    spec = Alert(
        kind=kind,
        subject=subject,
        recipients=list(recipients),
        key=key,
        body=body,
        link=link,
        subdistrict_id=subdistrict_id,
        neighborhood_id=neighborhood_id,
        level=level,
        urgent=urgent,
    )
    return alert_many([spec], now=now, new_keys=new_key)


def alert_many(
    alerts: Iterable[Alert], *, now: dt.datetime | None = None, returning: bool = True, new_keys: bool = False
) -> list[Any]:
    """Store many alerts in a constant number of queries (one read of what exists, one insert), whatever the
    number of alerts and recipients; returns the stored notifications, new and existing.

    With ``returning=False`` (sweeps over thousands of rows, which do not use the result) the new ones are
    written with one executemany statement instead of ``bulk_create``, which on SQLite splits its INSERT
    into batches of 999 parameters (about 60 notifications each), and nothing is returned."""
    from fangkong.core.models import Notification

    now = now or timezone.now()
    rows: dict[tuple[int, str], Any] = {}
    for spec in alerts:
        level = spec.level
        people = {u.pk: u for u in spec.recipients if u is not None and getattr(u, "is_active", True)}
        while not people and level < LEVEL_HQ and spec.subdistrict_id is not None:
            level += 1
            people = {u.pk: u for u in recipients_at(level, spec.subdistrict_id, spec.neighborhood_id)}
        urgent = spec.kind in URGENT_KINDS if spec.urgent is None else spec.urgent
        key = spec.key[:120]
        for user in people.values():
            rows.setdefault(
                (user.pk, key),
                Notification(
                    kind=spec.kind,
                    subject=spec.subject[:200],
                    body=spec.body,
                    recipient=user,
                    subdistrict_id=spec.subdistrict_id,
                    neighborhood_id=spec.neighborhood_id,
                    link=spec.link[:300],
                    dedupe_key=key,
                    urgent=urgent,
                    level=level,
                    deliver_after=_deliver_after(urgent, now),
                    created_at=now,
                ),
            )
    if not rows:
        return []
    if new_keys:
        Notification.objects.bulk_create(list(rows.values()))
        return list(rows.values()) if returning else []
    keys = {key for _uid, key in rows}
    existing = {
        (n.recipient_id, n.dedupe_key): n
        for n in Notification.objects.filter(dedupe_key__in=keys, recipient_id__in={uid for uid, _k in rows})
    }
    fresh = [n for pair, n in rows.items() if pair not in existing]
    if fresh:
        try:
            with transaction.atomic():
                if returning:
                    Notification.objects.bulk_create(fresh, batch_size=1000)
                else:
                    _insert_many(fresh)
        except IntegrityError:  # another worker stored some of them meanwhile: one at a time
            fresh = [
                notify(
                    kind=n.kind,
                    subject=n.subject,
                    body=n.body,
                    recipient=n.recipient,
                    subdistrict_id=n.subdistrict_id,
                    neighborhood_id=n.neighborhood_id,
                    link=n.link,
                    dedupe_key=n.dedupe_key,
                    urgent=n.urgent,
                    level=n.level,
                    now=now,
                )
                for n in fresh
            ]
    if not returning:
        return []
    return [existing.get(pair) or n for pair, n in rows.items()]


def _insert_many(notes: list[Any]) -> None:
    """One INSERT statement for every note (executemany), whatever their number."""
    from django.db import connection

    from fangkong.core.models import Notification

    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(Notification._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    params = [[f.get_db_prep_save(getattr(n, f.attname), connection) for f in fields] for n in notes]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def committee_of(subdistrict_id: int, neighborhood_id: int | None) -> list[Any]:
    from fangkong.core.models import User

    if neighborhood_id is None:
        return []
    return list(
        User.objects.filter(
            is_active=True, role=Role.STAFF, subdistrict_id=subdistrict_id, neighborhoods__id=neighborhood_id
        ).distinct()
    )


def hq_of(subdistrict_id: int) -> list[Any]:
    from fangkong.core.models import User

    return list(User.objects.filter(is_active=True, role=Role.HQ, subdistrict_id=subdistrict_id))


def recipients_at(level: int, subdistrict_id: int, neighborhood_id: int | None) -> list[Any]:
    if level <= LEVEL_COMMITTEE:
        return committee_of(subdistrict_id, neighborhood_id)
    return hq_of(subdistrict_id)


def announce(note_id: int, **_ignored: Any) -> None:
    """Kept for callers that store a notification in their own SQL statement: delivery is the worker's job,
    so there is nothing to do in the request."""


# ------------------------------------------------------------------------------------------ delivering


def message_of(note: Any) -> dict[str, Any]:
    return {
        "id": note.pk,
        "idempotency_key": f"fangkong-notification-{note.pk}",
        "kind": note.kind,
        "subject": note.subject,
        "body": note.body,
        "link": note.link,
        "recipient": note.recipient.username if note.recipient_id else None,
        "subdistrict_id": note.subdistrict_id,
        "neighborhood_id": note.neighborhood_id,
        "urgent": note.urgent,
        "at": note.created_at.isoformat(),
    }


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


_stale_checked = 0.0


def deliver_pending(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send messages whose delivery is due through every configured backend; returns how many were sent.

    The due messages are taken together with one conditional UPDATE (a message another worker took is no
    longer pending or failed-and-due, so two workers never send the same attempt), marked with this pass's
    claim instant, then read back by that mark; the sent ones are recorded with one more UPDATE. A pass with
    nothing due only reads: on SQLite no pass takes the write lock unless it has something to send. A
    backend that already took a message is not asked again on a retry."""
    import random
    import time

    from django.db.models import F

    from fangkong.core.models import Notification

    global _stale_checked
    now = now or timezone.now()
    max_attempts = getattr(settings, "FANGKONG_NOTIFY_MAX_ATTEMPTS", 6)
    if time.monotonic() - _stale_checked > 60:
        _stale_checked = time.monotonic()
        stale = Notification.objects.filter(
            delivery_status=DeliveryStatus.SENDING, deliver_after__lt=now - dt.timedelta(minutes=5)
        )
        if stale.exists():
            stale.update(delivery_status=DeliveryStatus.FAILED, delivery_error="worker stopped while sending")
    due = Q(delivery_status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)) & (
        Q(deliver_after__isnull=True) | Q(deliver_after__lte=now)
    )
    candidates = list(Notification.objects.filter(due).order_by("id").values_list("pk", flat=True)[:limit])
    if not candidates:
        return 0
    # this pass's mark: the claim instant, made unique among workers by random microseconds
    mark = now.replace(microsecond=random.randrange(1_000_000))  # noqa: S311 - not a secret
    taken = Notification.objects.filter(due, pk__in=candidates).update(
        delivery_status=DeliveryStatus.SENDING,
        delivery_attempts=F("delivery_attempts") + 1,
        deliver_after=mark,
    )
    if not taken:
        return 0
    notes = list(
        Notification.objects.filter(
            pk__in=candidates, delivery_status=DeliveryStatus.SENDING, deliver_after=mark
        ).select_related("recipient")
    )
    backends = list(settings.FANGKONG_NOTIFY_BACKENDS)
    delivered: dict[str, list[int]] = {}
    for note in notes:
        done = set(filter(None, note.delivered_backends.split(",")))
        errors = []
        message = message_of(note)
        for name in backends:
            if name in done:
                continue
            backend = BACKENDS.get(name)
            if backend is None:
                done.add(name)
                logger.warning("unknown notification backend %s", name)
                continue
            try:
                backend(message)
            except Exception as exc:  # a failing backend is retried; the others keep their delivery
                errors.append(f"{name}: {exc}")
            else:
                done.add(name)
        record = ",".join(sorted(done))[:100]
        if errors:
            dead = note.delivery_attempts >= max_attempts
            Notification.objects.filter(pk=note.pk).update(
                delivered_backends=record,
                delivery_status=DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED,
                delivery_error="; ".join(errors)[:300],
                deliver_after=None if dead else now + _backoff(note.delivery_attempts),
            )
        else:
            delivered.setdefault(record, []).append(note.pk)
    sent_at = timezone.now()
    for record, pks in delivered.items():
        Notification.objects.filter(pk__in=pks).update(
            delivered_backends=record,
            delivery_status=DeliveryStatus.SENT,
            delivered_at=sent_at,
            delivery_error="",
        )
    return sum(len(pks) for pks in delivered.values())


def retry_dead(*, actor: Any, note_id: int) -> int:
    """Put a dead message back in the queue (from the jobs page); audited."""
    from fangkong.core import audit
    from fangkong.core.choices import AuditAction
    from fangkong.core.models import Notification

    note = Notification.objects.get(pk=note_id, delivery_status=DeliveryStatus.DEAD)
    changed = Notification.objects.filter(pk=note.pk, delivery_status=DeliveryStatus.DEAD).update(
        delivery_status=DeliveryStatus.PENDING, delivery_attempts=0, deliver_after=None
    )
    audit.record(actor=actor, action=AuditAction.ACTION, obj=note, note="retry delivery")
    return changed


# ------------------------------------------------------------------------------------------- escalating


def escalation_minutes() -> dict[str, int]:
    raw = getattr(settings, "FANGKONG_ESCALATE_MINUTES", "") or ""
    out = {}
    for part in raw.split(","):
        kind, sep, minutes = part.partition("=")
        if sep and kind.strip() and minutes.strip().isdigit():
            out[kind.strip()] = int(minutes)
    return out


def escalate(*, now: dt.datetime | None = None) -> int:
    """Send every unacknowledged alert past its kind's minutes to the next level, once."""
    from fangkong.core.models import Notification

    now = now or timezone.now()
    created = 0
    for kind, minutes in escalation_minutes().items():
        cutoff = now - dt.timedelta(minutes=minutes)
        open_alerts = (
            Notification.objects.filter(
                kind=kind,
                recipient__isnull=False,
                escalated_at__isnull=True,
                level__lt=LEVEL_HQ,
                created_at__lte=cutoff,
            )
            .exclude(dedupe_key="")
            .order_by("id")
        )
        groups: dict[tuple[str, int], list[Any]] = {}
        for note in open_alerts[:2000]:
            groups.setdefault((note.dedupe_key, note.level), []).append(note)
        for (key, level), notes in groups.items():
            read = Notification.objects.filter(dedupe_key=key, level=level, read_at__isnull=False).exists()
            ids = [n.pk for n in notes]
            Notification.objects.filter(pk__in=ids).update(escalated_at=now)
            if read:
                continue
            first = notes[0]
            if first.subdistrict_id is None:
                continue
            nxt = level + 1
            people = recipients_at(nxt, first.subdistrict_id, first.neighborhood_id)
            if not people and nxt < LEVEL_HQ:
                nxt = LEVEL_HQ
                people = recipients_at(nxt, first.subdistrict_id, first.neighborhood_id)
            created += len(
                alert(
                    kind=kind,
                    subject=f"【升级】{first.subject}"[:200],
                    body=first.body,
                    recipients=people,
                    key=f"{key}|up{nxt}"[:120],
                    link=first.link,
                    subdistrict_id=first.subdistrict_id,
                    neighborhood_id=first.neighborhood_id,
                    level=nxt,
                    urgent=True if nxt == LEVEL_HQ else first.urgent,
                    now=now,
                )
            )
    return created


# ------------------------------------------------------------------------------------------------ inbox


def unread_count(user: Any) -> int:
    from fangkong.core.models import Notification

    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own messages read (all of them when ``ids`` is None); reading acknowledges."""
    from fangkong.core.models import Notification

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())

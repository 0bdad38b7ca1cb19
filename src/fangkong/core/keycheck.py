"""Does this installation hold the keys its stored personal data needs?

A database restored without its keys used to start "healthy" under new keys: every reveal then failed and
every lookup by ID number found nothing. Two checks close that:

- the database records a fingerprint of each data key and of the hash key (``KeyFingerprint``); a recorded
  key that is missing from the configuration, or configured with other material, is a problem;
- one stored value per personal column is decrypted with the configured keys and its lookup hash recomputed,
  which also catches a database that has personal data but no fingerprints yet (older installs).

``verify_keys()`` runs where the platform starts serving (``fangkong serve``, ``fangkong demo``, the WSGI
application) and raises ``KeysMissing`` with a clear message; ``fangkong restore`` runs ``problems()`` on the
restored copy. When everything is in order, the current fingerprints are recorded.
"""

from __future__ import annotations

import logging
from typing import Any

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, transaction

from fangkong.core import crypto

log = logging.getLogger("fangkong.keys")


class KeysMissing(ImproperlyConfigured):
    pass


def _tables(using: str) -> set[str]:
    try:
        with connections[using].cursor() as cursor:
            return set(connections[using].introspection.table_names(cursor))
    except DatabaseError:
        return set()


def _fingerprint_table(using: str) -> bool:
    from fangkong.core.models import KeyFingerprint

    return KeyFingerprint._meta.db_table in _tables(using)


def sample_problems(
    ring: crypto.Keyring, *, using: str = "default", sample: int = 1
) -> tuple[bool, list[str]]:
    """Decrypt ``sample`` stored values per personal column; (whether any personal data exists, problems)."""
    from fangkong.core.personal import kind_of
    from fangkong.core.purge import personal_models

    found = False
    problems: list[str] = []
    tables = _tables(using)
    for model, fields in personal_models():
        if model._meta.db_table not in tables:
            continue
        for name in fields:
            rows = list(
                model._base_manager.using(using)
                .exclude(**{f"{name}_enc": ""})
                .order_by("pk")
                .values_list(f"{name}_enc", f"{name}_hash")[:sample]
            )
            found = found or bool(rows)
            label = f"{model._meta.label}.{name}"
            for token, digest in rows:
                problem = _value_problem(ring, label, kind_of(model, name), token, digest)
                if problem:
                    problems.append(problem)
                    break
    return found, problems


def _value_problem(ring: crypto.Keyring, label: str, kind: str, token: str, digest: str) -> str:
    key_id = crypto.key_id_of(token)
    if key_id not in ring.keys:
        return f"{label} 的个人信息用数据密钥 {key_id} 加密，但当前配置中没有这个密钥。"
    try:
        plain = crypto.decrypt(token, ring=ring)
    except (InvalidTag, ValueError):
        return f"{label} 的个人信息无法用数据密钥 {key_id} 解密：密钥内容不是加密时所用的。"
    if digest and crypto.lookup_hash(kind, plain, ring=ring) != digest:
        return f"{label} 的查找索引与 FANGKONG_HASH_KEY 不符：按证件号码、手机号查找将一无所获。"
    return ""


def fingerprint_problems(current: dict[tuple[str, str], str], *, using: str = "default") -> list[str]:
    from fangkong.core.models import KeyFingerprint

    problems: list[str] = []
    if not _fingerprint_table(using):
        return problems
    for kind, key_id, stored in KeyFingerprint.objects.using(using).values_list(
        "kind", "key_id", "fingerprint"
    ):
        mine = current.get((kind, key_id))
        if kind == "hash":
            if mine != stored:
                problems.append("FANGKONG_HASH_KEY 与写入这些数据时所用的查找密钥不同。")
        elif mine is None:
            problems.append(f"数据库中的个人信息需要数据密钥 {key_id}，但当前配置中没有这个密钥。")
        elif mine != stored:
            problems.append(f"数据密钥 {key_id} 的内容与写入这些数据时所用的不同。")
    return problems


def inspect(
    data_keys: list[str] | None = None,
    hash_key: str | None = None,
    *,
    using: str = "default",
    sample: int = 1,
) -> tuple[bool, list[str]]:
    """(whether the database holds personal data, what is wrong between it and the given keys); the keys
    default to the configured ones."""
    data_keys = list(settings.FANGKONG_DATA_KEYS if data_keys is None else data_keys)
    hash_key = settings.FANGKONG_HASH_KEY if hash_key is None else hash_key
    if not data_keys or not hash_key:
        has_data, _ = sample_problems(crypto.Keyring("", {}, b""), using=using)
        return has_data, ["未配置 FANGKONG_DATA_KEY / FANGKONG_HASH_KEY。"] if has_data else []
    ring = crypto.ring_for(data_keys, hash_key)
    has_data, found = sample_problems(ring, using=using, sample=sample)
    if not has_data:
        return False, []
    stored = fingerprint_problems(crypto.key_fingerprints(data_keys, hash_key), using=using)
    return True, list(dict.fromkeys(stored + found))


def problems(
    data_keys: list[str] | None = None, hash_key: str | None = None, *, using: str = "default"
) -> list[str]:
    return inspect(data_keys, hash_key, using=using)[1]


def record_fingerprints(*, using: str = "default", replace: bool = False) -> None:
    """Record the configured keys' fingerprints (those not recorded yet; ``replace``: forget the others)."""
    from fangkong.core.models import KeyFingerprint

    current = crypto.key_fingerprints(settings.FANGKONG_DATA_KEYS, settings.FANGKONG_HASH_KEY)
    with transaction.atomic(using=using):
        if replace:
            KeyFingerprint.objects.using(using).all().delete()
        KeyFingerprint.objects.using(using).bulk_create(
            [
                KeyFingerprint(kind=kind, key_id=key_id, fingerprint=fp)
                for (kind, key_id), fp in current.items()
            ],
            ignore_conflicts=True,
        )


def forget_fingerprints(key_ids: list[str], *, using: str = "default") -> None:
    """Dropped data keys (``rotate-keys --drop-old``): nothing is encrypted under them any more."""
    from fangkong.core.models import KeyFingerprint

    KeyFingerprint.objects.using(using).filter(kind="data", key_id__in=key_ids).delete()


def explain(found: list[str]) -> str:
    lines = "\n".join(f"  - {p}" for p in found)
    return (
        "个人信息与当前配置的密钥不匹配，拒绝启动（否则查看明文会出错，按证件号码查找将一无所获）：\n"
        f"{lines}\n"
        "请配置写入这些数据时所用的密钥：恢复 var/secrets.json，或设置 FANGKONG_DATA_KEY / FANGKONG_HASH_KEY"
        "（见备份中的密钥文件，`fangkong restore` 会检查）。确认这些数据已无法找回时，"
        "可设置 FANGKONG_ACCEPT_LOST_KEYS=1 启动。"
    )


def verify_keys(*, using: str = "default") -> None:
    """Raise KeysMissing unless the configured keys read the stored personal data; then record them."""
    has_data, found = inspect(using=using)
    if found:
        if settings.FANGKONG_ACCEPT_LOST_KEYS:
            log.error("%s", explain(found))
            return
        raise KeysMissing(explain(found))
    if _fingerprint_table(using):
        record_fingerprints(using=using, replace=not has_data)


def check_at_startup(**_kwargs: Any) -> None:
    """For the WSGI application: the same check, with the message in the log before the worker stops."""
    try:
        verify_keys()
    except KeysMissing as exc:
        log.critical("%s", exc)
        raise

"""`fangkong rotate-keys`: put a new data key first and re-encrypt every personal column under it.

The key list (FANGKONG_DATA_KEY, or ``data_keys`` in var/secrets.json) holds ``id:base64`` entries: the first
encrypts, all decrypt. A rotation is two steps, each safe to re-run:

1. ``fangkong rotate-keys`` generates a key (or takes ``--key id:base64``), puts it first, keeps the old keys
   listed, and re-encrypts every ``<x>_enc`` column of every model that has one (found through the model
   registry: ``<x>_enc`` with siblings ``<x>_hash``/``<x>_masked``). Hashes and masks do not change: the
   hash key is separate.
2. ``fangkong rotate-keys --drop-old`` re-encrypts whatever is still under an older key (normally nothing)
   and then removes the older keys from the list.

With var/secrets.json (the local install) the file is updated. When the keys come from the environment the
command prints the new FANGKONG_DATA_KEY value to deploy. To avoid a window where running servers cannot
read new ciphertext, deploy ``new,old`` first and run ``fangkong rotate-keys --reencrypt-only``.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, router, transaction
from django.db.models import Q

from fangkong.core import audit, crypto, keycheck
from fangkong.core.choices import AuditAction
from fangkong.core.localsecrets import write_secrets
from fangkong.core.purge import personal_models


def next_key_id(existing: list[str]) -> str:
    numbers = [int(m.group(1)) for k in existing if (m := re.fullmatch(r"k(\d+)", k))]
    n = max(numbers, default=0) + 1
    while f"k{n}" in existing:
        n += 1
    return f"k{n}"


def key_ids(entries: list[str]) -> list[str]:
    return [entry.partition(":")[0] if ":" in entry else f"k{i}" for i, entry in enumerate(entries)]


def parse_new_key(raw: str, existing: list[str]) -> str:
    """Validate ``id:base64`` (or bare base64, which gets the next free id) and return the entry."""
    key_id, sep, material = raw.partition(":")
    if not sep:
        key_id, material = next_key_id(key_ids(existing)), raw
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", key_id):
        raise CommandError("密钥编号只能包含字母、数字、- 和 _（最多 16 位）。")
    try:
        if len(base64.urlsafe_b64decode(material.encode())) != 32:
            raise ValueError
    except ValueError:
        raise CommandError("新密钥必须是 32 字节的 base64（可用 fangkong rotate-keys 自动生成）。")
    return f"{key_id}:{material}"


def reencrypt_all(*, batch_size: int = 1000) -> dict[str, int]:
    """Re-encrypt every personal value not under the primary key; return the values done per model."""
    ring = crypto.keyring()
    prefix = f"{ring.primary_id}$"
    done: dict[str, int] = {}
    for model, fields in personal_models():
        connection = connections[router.db_for_write(model)]
        quote = connection.ops.quote_name
        stale = Q()
        for name in fields:
            stale |= ~Q(**{f"{name}_enc": ""}) & ~Q(**{f"{name}_enc__startswith": prefix})
        enc_fields = [f"{name}_enc" for name in fields]
        columns = [str(model._meta.get_field(f).column) for f in enc_fields]  # type: ignore[union-attr]
        pk_column = str(model._meta.pk.column)  # type: ignore[union-attr]
        count = 0
        last_pk: Any = None
        base = model._base_manager.filter(stale).order_by("pk")
        while True:
            page = base if last_pk is None else base.filter(pk__gt=last_pk)
            rows = list(page.values_list("pk", *enc_fields)[:batch_size])
            if not rows:
                break
            last_pk = rows[-1][0]
            updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
            for pk, *tokens in rows:
                changed_idx: list[int] = []
                values: list[str] = []
                for i, token in enumerate(tokens):
                    if token and not token.startswith(prefix):
                        try:
                            plain = crypto.decrypt(token, ring=ring)
                        except KeyError:
                            raise CommandError(
                                f"{model._meta.label} #{pk}：密文使用的密钥 {crypto.key_id_of(token)!r} 不在密钥列表中。"
                            )
                        values.append(crypto.encrypt(plain, ring=ring))
                        changed_idx.append(i)
                if changed_idx:
                    updates.setdefault(tuple(changed_idx), []).append((*values, pk))
                    count += len(changed_idx)
            with connection.cursor() as cursor:
                for idx, params in updates.items():
                    assignments = ", ".join(f"{quote(columns[i])} = %s" for i in idx)
                    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk_column)} = %s"
                    cursor.executemany(sql, params)
        if count:
            done[model._meta.label] = count
    return done


def count_stale() -> int:
    """Personal values still encrypted under a key other than the primary one."""
    prefix = f"{crypto.keyring().primary_id}$"
    total = 0
    for model, fields in personal_models():
        for name in fields:
            total += (
                model._base_manager.exclude(**{f"{name}_enc": ""})
                .exclude(**{f"{name}_enc__startswith": prefix})
                .count()
            )
    return total


class Command(BaseCommand):
    help = "轮换个人信息加密密钥：新密钥排在首位，用它重新加密所有个人信息字段。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--key", help="新密钥 id:base64（不填则自动生成）")
        parser.add_argument(
            "--reencrypt-only", action="store_true", help="不换密钥，只把旧密钥下的密文用当前首位密钥重新加密"
        )
        parser.add_argument("--drop-old", action="store_true", help="重新加密后从密钥列表中删除旧密钥")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        current = list(settings.FANGKONG_DATA_KEYS)
        if not current:
            raise CommandError("没有配置 FANGKONG_DATA_KEY：没有可轮换的密钥。")
        secrets_file = Path(settings.VAR_DIR) / "secrets.json"
        file_mode = "FANGKONG_DATA_KEY" not in os.environ and secrets_file.exists()
        keep_current = options["reencrypt_only"] or (options["drop_old"] and not options["key"])
        if keep_current:
            keys = current
        else:
            entry = parse_new_key(options["key"] or crypto.generate_key(), current)
            new_id = entry.partition(":")[0]
            ids = key_ids(current)
            if new_id == ids[0]:
                if entry != current[0]:
                    raise CommandError(f"密钥编号 {new_id} 已在使用，且内容不同。")
                keys = current  # already first: resume an interrupted rotation
            elif new_id in ids:
                raise CommandError(f"密钥编号 {new_id} 已在密钥列表中。")
            else:
                keys = [entry, *current]
        # Record the new list before any ciphertext uses it, so an interruption leaves data readable.
        self._store(keys, file_mode, secrets_file)
        keycheck.record_fingerprints()
        with transaction.atomic():
            done = reencrypt_all(batch_size=options["batch_size"])
            dropped: list[str] = []
            if options["drop_old"]:
                stale = count_stale()
                if stale:
                    raise CommandError(f"仍有 {stale} 个值使用旧密钥，未删除旧密钥。")
                dropped = key_ids(keys)[1:]
                keys = keys[:1]
                keycheck.forget_fingerprints(dropped)
            audit.record(
                actor=None,
                action=AuditAction.ACTION,
                object_type="core.datakey",
                object_id=key_ids(keys)[0],
                object_repr=f"数据密钥 {key_ids(keys)[0]}",
                changes={"primary": key_ids(keys)[0], "reencrypted": done, "dropped": dropped},
                note="轮换个人信息加密密钥",
            )
        if dropped:
            self._store(keys, file_mode, secrets_file)
        total = sum(done.values())
        for label, n in sorted(done.items()):
            self.stdout.write(f"  {label:<28} {n:>9,}")
        self.stdout.write(f"已用密钥 {key_ids(keys)[0]} 重新加密 {total:,} 个值。")
        if dropped:
            self.stdout.write(f"已删除旧密钥：{', '.join(dropped)}。")
        if file_mode:
            self.stdout.write(f"已更新 {secrets_file}。")
        else:
            self.stdout.write("请在所有服务器上设置以下环境变量并重启：")
            self.stdout.write(f"FANGKONG_DATA_KEY={','.join(keys)}")

    def _store(self, keys: list[str], file_mode: bool, secrets_file: Path) -> None:
        settings.FANGKONG_DATA_KEYS = list(keys)
        if file_mode:
            data = json.loads(secrets_file.read_text())
            data["data_keys"] = list(keys)
            write_secrets(secrets_file, data)

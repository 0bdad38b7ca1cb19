"""Backups: an online copy of the database plus, in a separate file, the keys its personal data needs.

A backup directory holds ``database.sqlite3`` (SQLite's backup API: a consistent copy while the platform
keeps serving) or ``database.dump`` (``pg_dump --format=custom``), ``manifest.json`` (engine, time, the key
fingerprints) and, unless written elsewhere, ``keys.json`` (same format as ``var/secrets.json``). The
database copy is useless without the keys file: store them apart, the keys file somewhere safer.

``restore_backup`` checks the keys against the backup's fingerprints before it touches the database, and
after restoring decrypts sample rows of every personal column with them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from fangkong.core import crypto, keycheck

DB_SQLITE = "database.sqlite3"
DB_PG = "database.dump"
MANIFEST = "manifest.json"
KEYS = "keys.json"


class BackupError(Exception):
    pass


def engine_of(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库：{vendor}")
    return vendor


def current_keys() -> dict[str, Any]:
    return {
        "secret_key": settings.SECRET_KEY,
        "data_keys": list(settings.FANGKONG_DATA_KEYS),
        "hash_key": settings.FANGKONG_HASH_KEY,
    }


def write_private(path: Path, data: dict[str, Any]) -> None:
    """JSON readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, path)


def _pg_env_args(using: str) -> tuple[dict[str, str], list[str], str]:
    db = connections[using].settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args, str(db["NAME"])


def _run(argv: list[str], env: dict[str, str]) -> None:
    if not shutil.which(argv[0]):
        raise BackupError(f"找不到 {argv[0]}（PostgreSQL 客户端工具，需与服务器同一主版本或更新）。")
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} 失败：{result.stderr.strip()[-2000:]}")


def create_backup(output: Path, *, keys_output: Path | None = None, using: str = "default") -> dict[str, Any]:
    """Write a backup into ``output`` (a new or empty directory); return its manifest."""
    engine = engine_of(using)
    keys = current_keys()
    if not keys["data_keys"] or not keys["hash_key"]:
        raise BackupError("未配置 FANGKONG_DATA_KEY / FANGKONG_HASH_KEY：没有可备份的密钥。")
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} 不是空目录。")
    output.mkdir(parents=True, exist_ok=True)
    os.chmod(output, 0o700)
    connection = connections[using]
    if engine == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(output / DB_SQLITE)
        try:
            connection.connection.backup(target)  # online: a consistent snapshot while others write
        finally:
            target.close()
        database_file = DB_SQLITE
    else:
        env, args, name = _pg_env_args(using)
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                *args,
                "--file",
                str(output / DB_PG),
                name,
            ],
            env,
        )
        database_file = DB_PG
    fingerprints = crypto.key_fingerprints(keys["data_keys"], keys["hash_key"])
    manifest = {
        "format": 1,
        "engine": engine,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": database_file,
        "keys_file": str(keys_output) if keys_output else KEYS,
        "fingerprints": [
            {"kind": k, "key_id": i, "fingerprint": fp} for (k, i), fp in sorted(fingerprints.items())
        ],
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    write_private(keys_output or output / KEYS, keys)
    return manifest


def read_keys(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"无法读取密钥文件 {path}：{exc}")
    if not isinstance(data, dict) or not data.get("data_keys") or not data.get("hash_key"):
        raise BackupError(f"{path} 不是密钥文件（缺少 data_keys / hash_key）。")
    return data


def key_mismatches(manifest: dict[str, Any], keys: dict[str, Any]) -> list[str]:
    """What the keys lack against the backup's recorded fingerprints."""
    mine = crypto.key_fingerprints(list(keys["data_keys"]), str(keys["hash_key"]))
    problems = []
    for row in manifest.get("fingerprints", []):
        have = mine.get((row["kind"], row["key_id"]))
        if have == row["fingerprint"]:
            continue
        if row["kind"] == "hash":
            problems.append("密钥文件中的查找密钥（hash_key）不是这份备份所用的。")
        elif have is None:
            problems.append(f"密钥文件中没有这份备份所用的数据密钥 {row['key_id']}。")
        else:
            problems.append(f"密钥文件中的数据密钥 {row['key_id']} 不是这份备份所用的。")
    return problems


def database_has_accounts(using: str = "default") -> bool:
    from django.contrib.auth import get_user_model

    connection = connections[using]
    with connection.cursor() as cursor:
        if get_user_model()._meta.db_table not in connection.introspection.table_names(cursor):
            return False
    return get_user_model()._default_manager.using(using).exists()


def restore_backup(source: Path, keys: dict[str, Any], *, using: str = "default") -> list[str]:
    """Replace the database with the backup in ``source`` and check it with ``keys``. Returns the problems
    found after restoring (empty: every sampled personal value decrypts and matches its lookup hash)."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} 不是备份目录（无法读取 {MANIFEST}：{exc}）。")
    engine = engine_of(using)
    if manifest.get("engine") != engine:
        raise BackupError(f"这份备份来自 {manifest.get('engine')}，当前数据库是 {engine}。")
    mismatched = key_mismatches(manifest, keys)
    if mismatched:
        raise BackupError("密钥与备份不符，未恢复：\n" + "\n".join(f"  - {p}" for p in mismatched))
    database = source / str(manifest.get("database", ""))
    if not database.is_file():
        raise BackupError(f"备份中缺少数据库文件 {database.name}。")
    connection = connections[using]
    if engine == "sqlite":
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise BackupError("不能在事务中恢复。")
        src = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            src.backup(connection.connection)
        finally:
            src.close()
    else:
        connection.close()
        env, args, name = _pg_env_args(using)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                *args,
                "--dbname",
                name,
                str(database),
            ],
            env,
        )
    connection.close()
    _has_data, problems = keycheck.inspect(
        list(keys["data_keys"]), str(keys["hash_key"]), using=using, sample=20
    )
    return problems

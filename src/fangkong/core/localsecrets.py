"""The local secrets file ``var/secrets.json`` (secret key, data keys, hash key): written once, readable by
the owner only, by ``fangkong demo``; ``fangkong rotate-keys`` rewrites it. The environment always wins."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings

from fangkong.core.crypto import generate_key

INSECURE_DEV_KEY = "insecure-development-key-change-me"


def secrets_path() -> Path:
    return Path(settings.VAR_DIR) / "secrets.json"


def new_secrets() -> dict[str, Any]:
    return {
        # Django wants 50+ characters for its secret key: two 32-byte keys.
        "secret_key": generate_key() + generate_key(),
        "data_keys": [f"k1:{generate_key()}"],
        "hash_key": generate_key(),
    }


def write_secrets(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` readable by the owner only (atomically: a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    os.replace(tmp, path)


def ensure_secrets() -> bool:
    """Write var/secrets.json if it is missing, and use its values for whatever the settings lack.

    Settings read the file when they load; on the very first run the file did not exist yet, so the values
    are applied to the loaded settings here. The environment always wins, as in settings.py.
    Returns True when the file was written now.
    """
    path = secrets_path()
    written = False
    if path.exists():
        data = json.loads(path.read_text())
    else:
        data = new_secrets()
        write_secrets(path, data)
        written = True
    if "FANGKONG_SECRET_KEY" not in os.environ and settings.SECRET_KEY in ("", INSECURE_DEV_KEY):
        settings.SECRET_KEY = str(data["secret_key"])
    if "FANGKONG_DATA_KEY" not in os.environ and not settings.FANGKONG_DATA_KEYS:
        settings.FANGKONG_DATA_KEYS = [str(k) for k in data["data_keys"]]
        settings.FANGKONG_HASH_KEY = str(data["hash_key"])
    return written

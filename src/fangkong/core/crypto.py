"""Keys and ciphers for personal data: the keyring, AES-GCM encryption with its token format
(``<key id>$<base64 of nonce + ciphertext>``, which stored data depends on), the keyed lookup hash, key
fingerprints and file encryption.

The personal-data pipeline itself (normalise, validate, hash, seal, mask; the three columns of a personal
field) is ``core.personal``: callers go through it, not through this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Keyring:
    primary_id: str
    keys: dict[str, AESGCM]
    hash_key: bytes


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _parse_key(entry: str, index: int) -> tuple[str, bytes]:
    key_id, sep, material = entry.partition(":")
    if not sep:
        key_id, material = f"k{index}", entry
    try:
        raw = base64.urlsafe_b64decode(material.encode())
    except (ValueError, TypeError):
        raise ImproperlyConfigured("FANGKONG_DATA_KEY holds a key that is not base64")
    if len(raw) != 32:
        raise ImproperlyConfigured("FANGKONG_DATA_KEY keys must be 32 bytes (base64)")
    return key_id, raw


@lru_cache(maxsize=4)
def _keyring(entries: tuple[str, ...], hash_key: str) -> Keyring:
    if not entries:
        raise ImproperlyConfigured(
            "FANGKONG_DATA_KEY is not set: personal data cannot be encrypted. Run `fangkong demo` for a "
            "local install, or set the key in the environment."
        )
    parsed = [_parse_key(entry, i) for i, entry in enumerate(entries)]
    if not hash_key:
        raise ImproperlyConfigured("FANGKONG_HASH_KEY is not set")
    return Keyring(
        primary_id=parsed[0][0],
        keys={key_id: AESGCM(raw) for key_id, raw in parsed},
        hash_key=hash_key.encode(),
    )


def keyring() -> Keyring:
    return _keyring(tuple(settings.FANGKONG_DATA_KEYS), settings.FANGKONG_HASH_KEY)


def encrypt(value: str, *, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    nonce = os.urandom(12)
    sealed = ring.keys[ring.primary_id].encrypt(nonce, value.encode(), None)
    return f"{ring.primary_id}${base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    key_id, _sep, body = token.partition("$")
    raw = base64.b64decode(body)
    return ring.keys[key_id].decrypt(raw[:12], raw[12:], None).decode()


def key_id_of(token: str) -> str:
    return token.partition("$")[0]


def lookup_hash(kind: str, value: str, *, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    return hmac.digest(ring.hash_key, f"{kind}:{value}".encode(), "sha256").hex()  # one call into OpenSSL


FINGERPRINT_CONTEXT = b"fangkong key fingerprint v1"


def fingerprint(material: bytes) -> str:
    """A keyed digest that identifies a key without revealing it (HMAC-SHA256 of a fixed text under the key)."""
    return hmac.new(material, FINGERPRINT_CONTEXT, hashlib.sha256).hexdigest()[:32]


def key_fingerprints(data_keys: list[str] | tuple[str, ...], hash_key: str) -> dict[tuple[str, str], str]:
    """{("data", key id): fingerprint, …, ("hash", ""): fingerprint} for a key list and a hash key."""
    found = {
        ("data", key_id): fingerprint(raw)
        for key_id, raw in (_parse_key(e, i) for i, e in enumerate(data_keys))
    }
    if hash_key:
        found[("hash", "")] = fingerprint(hash_key.encode())
    return found


def ring_for(data_keys: list[str] | tuple[str, ...], hash_key: str) -> Keyring:
    """The keyring of a given key list (e.g. a backup's keys file) rather than of the settings."""
    return _keyring(tuple(data_keys), hash_key)


# Files (uploads kept between preview and commit): one AES-GCM pass over the bytes, under the primary data
# key. Layout: magic, key-id length (1 byte), key id, 12-byte nonce, ciphertext with its tag.
FILE_MAGIC = b"FKE1"


def encrypt_bytes(data: bytes, *, ring: Keyring | None = None) -> bytes:
    ring = ring or keyring()
    key_id = ring.primary_id.encode()
    nonce = os.urandom(12)
    sealed = ring.keys[ring.primary_id].encrypt(nonce, data, FILE_MAGIC)
    return FILE_MAGIC + bytes([len(key_id)]) + key_id + nonce + sealed


def decrypt_bytes(blob: bytes, *, ring: Keyring | None = None) -> bytes:
    """The plaintext of ``encrypt_bytes``; ValueError if the blob is not one, or its key is unknown, or it
    was altered."""
    from cryptography.exceptions import InvalidTag

    ring = ring or keyring()
    if not blob.startswith(FILE_MAGIC) or len(blob) < 5:
        raise ValueError("not an encrypted file")
    end = 5 + blob[4]
    key = ring.keys.get(blob[5:end].decode(errors="replace"))
    if key is None:
        raise ValueError("unknown key")
    try:
        return key.decrypt(blob[end : end + 12], blob[end + 12 :], FILE_MAGIC)
    except InvalidTag:
        raise ValueError("altered or wrong key")

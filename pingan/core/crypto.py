"""Field-level encryption (AES-GCM) and blind indexes for sensitive values (DESIGN §4.5).

Ciphertext format: ``v1:<key id>:<base64(nonce || ciphertext+tag)>``; the key id is also
the AES-GCM associated data, so a ciphertext cannot be relabelled to another key. The key id
lets `pingan rotate-data-key` re-encrypt under a new key while old rows stay readable.
Blind indexes are HMAC-SHA256 under a separate index key, so an exact-match lookup never
needs decryption and does not change when the data key rotates.

The key ring is cached per process. A rotation run by another process rewrites the key
file; each process notices within `RECHECK_SECONDS` (new values go under the new primary)
and at once when it meets a ciphertext under a key id it does not know yet.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact

from pingan.core.keys import KeyRing, key_file_path, load_keyring

PREFIX = "v1"
NONCE_BYTES = 12
TAG_BYTES = 16
RECHECK_SECONDS = 1.0


class DecryptionError(ValueError):
    """A stored value cannot be decrypted: malformed, tampered with, or its key is unknown."""


class _RingCache:
    """The loaded key ring plus what it was loaded from, to notice key changes cheaply."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.ring: KeyRing | None = None
        self.aeads: dict[str, AESGCM] = {}
        self.origin: tuple = ()
        self.file_stamp: tuple | None = None
        self.checked_at = 0.0


_cache = _RingCache()


def _origin() -> tuple:
    return (settings.PINGAN_DATA_KEY, str(settings.PINGAN_DATA_KEY_FILE))


def _file_stamp() -> tuple | None:
    try:
        st = key_file_path().stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _keyring(*, recheck: bool = False) -> KeyRing:
    """The current key ring; reloaded when settings or the key file changed."""
    cache = _cache
    now = time.monotonic()
    ring = cache.ring
    if ring is not None and cache.origin == _origin():
        if ring.source == "env":
            return ring
        if not recheck and now - cache.checked_at < RECHECK_SECONDS:
            return ring
        stamp = _file_stamp()
        if stamp == cache.file_stamp:
            cache.checked_at = now
            return ring
    with cache.lock:
        cache.clear()
        origin = _origin()
        ring = load_keyring()
        cache.origin, cache.ring, cache.checked_at = origin, ring, now
        cache.file_stamp = _file_stamp() if ring.source == "file" else None
        return ring


def reset_keyring_cache() -> None:
    """Forget the cached ring (tests, and after this process rewrote the key file)."""
    with _cache.lock:
        _cache.clear()


def _aead(ring: KeyRing, kid: str) -> AESGCM:
    aead = _cache.aeads.get(kid) if _cache.ring is ring else None
    if aead is None:
        aead = AESGCM(ring.keys[kid])
        if _cache.ring is ring:
            _cache.aeads[kid] = aead
    return aead


def current_key_id() -> str:
    return _keyring().primary


def current_keyring() -> KeyRing:
    """The key ring as the key file or environment holds it right now."""
    return _keyring(recheck=True)


def encrypt(plaintext: str) -> str:
    """Encrypt under the primary key; a fresh random nonce every time."""
    ring = _keyring()
    kid = ring.primary
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(ring, kid).encrypt(nonce, plaintext.encode(), kid.encode())
    return f"{PREFIX}:{kid}:{base64.b64encode(nonce + sealed).decode()}"


def _split(token: str) -> tuple[str, bytes]:
    parts = token.split(":", 2) if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("密文格式无效 (not a v1 ciphertext)")
    try:
        raw = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("密文格式无效 (bad base64)") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("密文格式无效 (too short)")
    return parts[1], raw


def decrypt(token: str) -> str:
    """Decrypt a value from `encrypt`. Raises `DecryptionError`, never returns garbage."""
    kid, raw = _split(token)
    ring = _keyring()
    if kid not in ring.keys:
        # Another process may have rotated the key since this ring was loaded.
        ring = _keyring(recheck=True)
        if kid not in ring.keys:
            raise DecryptionError(f"未知的数据密钥 (unknown key id {kid!r})")
    try:
        plain = _aead(ring, kid).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], kid.encode())
    except InvalidTag as exc:
        raise DecryptionError(
            f"密文校验失败，数据被篡改或密钥不符 (authentication failed, key {kid!r})"
        ) from exc
    return plain.decode()


def key_id_of(token: str) -> str:
    """The key id a ciphertext was made with (without decrypting it)."""
    return _split(token)[0]


def blind_index(value: str, purpose: str) -> str:
    """Keyed hash for exact lookup. `purpose` separates e.g. id numbers from phones, so equal
    strings of different kinds do not share an index value. Normalise `value` first."""
    if not purpose or "\x00" in purpose:
        raise ValueError("blind_index needs a non-empty purpose without NUL")
    msg = f"{purpose}\x00{value}".encode()
    return hmac.new(_keyring().index, msg, hashlib.sha256).hexdigest()


class _EmptyOrNullExact(Exact):
    """`field=""` still works (empty values are stored as is); any other equality test on a
    ciphertext can never match (random nonces), so it is an error, not an empty result."""

    def get_prep_lookup(self):
        if self.rhs not in (None, ""):
            raise FieldError(_LOOKUP_ERROR)
        return super().get_prep_lookup()


_LOOKUP_ERROR = (
    "加密字段不能用于查询或排序条件，请使用其旁边的盲索引列 "
    "(encrypted fields cannot be queried; filter on the blind index column)"
)


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python sees plaintext.

    Not filterable: any lookup other than `isnull` or equality with "" raises `FieldError`.
    Keep a blind index column next to it for lookups.
    """

    description = "Encrypted text (AES-GCM)"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOrNullExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(_LOOKUP_ERROR)

    def get_transform(self, lookup_name):
        raise FieldError(_LOOKUP_ERROR)


__all__ = [
    "DecryptionError",
    "EncryptedTextField",
    "blind_index",
    "current_key_id",
    "decrypt",
    "encrypt",
    "key_id_of",
    "reset_keyring_cache",
]

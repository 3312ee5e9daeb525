"""Field-level encryption (AES-GCM) and blind indexes for sensitive values (DESIGN §4.5).

Ciphertext format: ``v1:<key id>:<base64(nonce || ciphertext+tag)>``. The key id lets
`pingan rotate-data-key` re-encrypt with a new key while old rows stay readable.
Blind indexes are HMAC-SHA256 under a separate index key, so an exact-match lookup never
needs decryption and does not change when the data key rotates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

PREFIX = "v1"


@lru_cache(maxsize=1)
def _keyring() -> dict[str, bytes]:
    from pingan.core.keys import load_keyring

    return load_keyring()


def reset_keyring_cache() -> None:
    _keyring.cache_clear()


def _primary() -> tuple[str, bytes]:
    ring = _keyring()
    kid = ring["primary"].decode()
    return kid, ring[kid]


def encrypt(plaintext: str) -> str:
    kid, key = _primary()
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), kid.encode())
    return f"{PREFIX}:{kid}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    prefix, kid, body = token.split(":", 2)
    if prefix != PREFIX:
        raise ValueError("unknown ciphertext format")
    key = _keyring()[kid]
    raw = base64.b64decode(body)
    return AESGCM(key).decrypt(raw[:12], raw[12:], kid.encode()).decode()


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


def blind_index(value: str, purpose: str) -> str:
    """Keyed hash for exact lookup. `purpose` separates e.g. id numbers from phones."""
    key = _keyring()["index"]
    msg = f"{purpose}\x00{value}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python sees plaintext. Not filterable: use a blind
    index column next to it for lookups."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


__all__ = ["EncryptedTextField", "blind_index", "decrypt", "encrypt", "settings"]

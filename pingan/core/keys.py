"""Loading the data-key ring from PINGAN_DATA_KEY or a key file under $PINGAN_HOME.

Key file (JSON, mode 0600): {"primary": "<kid>", "keys": {"<kid>": "<b64 32 bytes>"},
"index": "<b64 32 bytes>"}. PINGAN_DATA_KEY may hold the same JSON or a bare base64 key
(then the index key is derived from it with HKDF, as it never rotates).
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive_index_key(master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pingan-blind-index").derive(
        master
    )


def new_key_document() -> dict:
    key = base64.b64encode(os.urandom(32)).decode()
    return {
        "primary": "k1",
        "keys": {"k1": key},
        "index": base64.b64encode(os.urandom(32)).decode(),
    }


def write_key_file(path: Path, document: dict) -> None:
    """Write atomically with mode 0600 (the file never exists with looser permissions)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle)
    tmp.chmod(0o600)
    tmp.replace(path)


def read_key_document() -> dict:
    raw = settings.PINGAN_DATA_KEY
    if raw:
        raw = raw.strip()
        if raw.startswith("{"):
            return json.loads(raw)
        master = base64.b64decode(raw)
        if len(master) != 32:
            raise ValueError("PINGAN_DATA_KEY must be 32 bytes, base64-encoded")
        return {
            "primary": "env",
            "keys": {"env": raw},
            "index": base64.b64encode(_derive_index_key(master)).decode(),
        }
    path = Path(settings.PINGAN_DATA_KEY_FILE)
    if not path.exists():
        write_key_file(path, new_key_document())
    return json.loads(path.read_text())


def load_keyring() -> dict[str, bytes]:
    doc = read_key_document()
    ring = {kid: base64.b64decode(value) for kid, value in doc["keys"].items()}
    ring["index"] = base64.b64decode(doc["index"])
    ring["primary"] = doc["primary"].encode()
    return ring

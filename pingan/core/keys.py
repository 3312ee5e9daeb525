"""The data-key ring: loaded from PINGAN_DATA_KEY or from a key file under $PINGAN_HOME.

Key document (JSON)::

    {"primary": "<kid>", "keys": {"<kid>": "<base64 of 32 bytes>", ...},
     "index": "<base64 of 32 bytes>"}

`primary` encrypts new values; every key in `keys` can still decrypt. `index` is the blind
index (HMAC) key: it never rotates, because changing it would change every stored index.

PINGAN_DATA_KEY may hold the same JSON, or a bare base64 key (then the key id is "env" and
the index key is derived from it with HKDF). Without it, the key file
(`settings.PINGAN_DATA_KEY_FILE`, default `$PINGAN_HOME/data-key.txt`) is created on first
use with mode 0600. Losing the key file loses every encrypted value: back it up.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

KEY_BYTES = 32
# Key ids appear inside ciphertexts ("v1:<kid>:…"), so they must never contain ":".
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
ENV_KEY_ID = "env"


class KeyConfigError(ImproperlyConfigured):
    """The key document is missing, malformed, or unusable."""


@dataclass(frozen=True)
class KeyRing:
    primary: str
    keys: dict[str, bytes] = field(repr=False)
    index: bytes = field(repr=False)
    source: str = "file"  # "file" or "env"


def _derive_index_key(master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pingan-blind-index").derive(
        master
    )


def _b64key(value: object, what: str) -> bytes:
    try:
        raw = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyConfigError(f"{what}: not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(f"{what}: must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def new_key() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def new_key_id(existing: set[str] | frozenset[str] = frozenset()) -> str:
    """A fresh, never-reused key id (UTC timestamp), so an archived key is never confused
    with a later one of the same name."""
    base = "k" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    kid, n = base, 1
    while kid in existing:
        n += 1
        kid = f"{base}-{n}"
    return kid


def new_key_document() -> dict:
    kid = new_key_id()
    return {"primary": kid, "keys": {kid: new_key()}, "index": new_key()}


def parse_key_document(doc: object, *, source: str) -> KeyRing:
    """Validate a key document and turn it into a `KeyRing` (raises `KeyConfigError`)."""
    where = "PINGAN_DATA_KEY" if source == "env" else str(key_file_path())
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), dict) or not doc["keys"]:
        raise KeyConfigError(f"{where}: expected {{'primary', 'keys', 'index'}} with >= 1 key")
    keys = {}
    for kid, value in doc["keys"].items():
        if not KEY_ID_RE.match(kid):
            raise KeyConfigError(f"{where}: invalid key id {kid!r} (letters, digits, - and _)")
        keys[kid] = _b64key(value, f"{where}: key {kid!r}")
    if len({kid.lower() for kid in keys}) != len(keys):
        # SQLite's LIKE (used to find values per key id) ignores ASCII case.
        raise KeyConfigError(f"{where}: key ids must differ in more than letter case")
    primary = doc.get("primary")
    if primary not in keys:
        raise KeyConfigError(f"{where}: primary key id {primary!r} is not in 'keys'")
    if "index" not in doc:
        raise KeyConfigError(f"{where}: missing the blind index key 'index'")
    index = _b64key(doc["index"], f"{where}: index key")
    return KeyRing(primary=primary, keys=keys, index=index, source=source)


def key_source() -> str:
    return "env" if settings.PINGAN_DATA_KEY.strip() else "file"


def key_file_path() -> Path:
    return Path(settings.PINGAN_DATA_KEY_FILE)


def env_key_document() -> dict:
    """The key document PINGAN_DATA_KEY stands for (bare keys are expanded)."""
    raw = settings.PINGAN_DATA_KEY.strip()
    if raw.startswith("{"):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise KeyConfigError(f"PINGAN_DATA_KEY: invalid JSON ({exc.msg})") from exc
    master = _b64key(raw, "PINGAN_DATA_KEY")
    return {
        "primary": ENV_KEY_ID,
        "keys": {ENV_KEY_ID: raw},
        "index": base64.b64encode(_derive_index_key(master)).decode(),
    }


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories; durability is best effort
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_private_tmp(path: Path, document: dict) -> Path:
    """Write `document` to a fresh sibling temp file created with mode 0600, fsynced."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    # O_EXCL: never reuse a pre-existing file whose mode could be looser than 0600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # umask cannot widen it, but be explicit
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_key_file(path: Path, document: dict) -> None:
    """Replace the key file atomically; it never exists with permissions looser than 0600."""
    parse_key_document(document, source="file")  # never write a document we cannot read
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_private_tmp(path, document)
    tmp.replace(path)
    _fsync_dir(path.parent)


def create_key_file(path: Path) -> bool:
    """Create the key file if it does not exist. Returns True when this call created it.

    Two processes starting at once must not each write their own key (one key would be lost
    with the rows encrypted under it): the new file is linked into place, which fails when
    another process got there first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_private_tmp(path, new_key_document())
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    logger.warning(
        "Generated a new data key file at %s (mode 0600). Back it up: without it the "
        "encrypted data cannot be read.",
        path,
    )
    return True


def read_key_file(path: Path) -> dict:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("Data key file %s has mode %o; it should be 0600.", path, mode)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise KeyConfigError(f"{path}: invalid JSON ({exc.msg})") from exc


def read_key_document() -> dict:
    """The raw key document from the environment or the key file (created when missing)."""
    if key_source() == "env":
        return env_key_document()
    path = key_file_path()
    if not path.exists():
        create_key_file(path)
    return read_key_file(path)


def load_keyring() -> KeyRing:
    source = key_source()
    return parse_key_document(read_key_document(), source=source)


def archive_retired_keys(path: Path, retired: dict[str, str], index: str) -> Path:
    """Write keys taken out of service next to the key file (mode 0600).

    Database backups made before a rotation still hold values under the old keys; keep this
    file with those backups or they cannot be read after a restore.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.retired-{stamp}{path.suffix}")
    n = 1
    while target.exists():  # never overwrite an earlier archive
        n += 1
        target = path.with_name(f"{path.stem}.retired-{stamp}-{n}{path.suffix}")
    primary = sorted(retired)[-1]
    write_key_file(target, {"primary": primary, "keys": retired, "index": index})
    return target

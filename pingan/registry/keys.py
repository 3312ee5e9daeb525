"""Blind-index keys of a person: full ID number, its last 4 and last 6 characters, phone.

Every key is an HMAC (`pingan.core.crypto.blind_index`) under its own purpose string, so an
ID tail and a phone number with the same digits never share a value. The tail indexes let a
grid worker find "the one ending in 1234" without decrypting anyone; they reveal which people
share a tail to whoever holds the database and the index key, a trade-off recorded in
docs/decisions/0009-registry.md.
"""

from __future__ import annotations

from pingan.core.crypto import blind_index
from pingan.core.phones import (  # noqa: F401  (re-exported: registry callers use these)
    PURPOSE_PHONE,
    clean_phone_text,
    normalize_phone,
    phone_hash,
)

PURPOSE_ID = "registry.person.id_number"
PURPOSE_ID_TAIL4 = "registry.person.id_tail4"
PURPOSE_ID_TAIL6 = "registry.person.id_tail6"


def id_hash(number: str) -> str:
    """Index of a normalised 18-character ID number."""
    return blind_index(number, PURPOSE_ID)


def id_tail_hash(tail: str) -> str:
    """Index of the last 4 or 6 characters of an ID number (`X` upper case)."""
    tail = tail.upper()
    if len(tail) == 4:
        return blind_index(tail, PURPOSE_ID_TAIL4)
    if len(tail) == 6:
        return blind_index(tail, PURPOSE_ID_TAIL6)
    raise ValueError("an ID tail has 4 or 6 characters")


def id_keys(number: str) -> dict[str, str]:
    """The three index columns of a person for a normalised ID number."""
    return {
        "id_hash": id_hash(number),
        "id_tail4_hash": id_tail_hash(number[-4:]),
        "id_tail6_hash": id_tail_hash(number[-6:]),
    }

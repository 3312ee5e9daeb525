"""Query codes: a short number the citizen gets with the case number (SMS and on screen).

Only a keyed hash bound to the case number is stored, so a database reader cannot query
cases, and one code never works for another case.
"""

from __future__ import annotations

import hmac
import secrets

from pingan.core.crypto import blind_index

PURPOSE = "public.query_code"
LENGTH = 6


def new_query_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(LENGTH))


def query_code_hash(number: str, code: str) -> str:
    return blind_index(f"{number}\x00{code}", PURPOSE)


def query_code_matches(number: str, code: str, stored_hash: str) -> bool:
    code = (code or "").strip()
    if not (code.isdigit() and len(code) == LENGTH and stored_hash):
        return False
    return hmac.compare_digest(query_code_hash(number, code), stored_hash)

"""Request helpers shared by apps."""

import re

from django.conf import settings
from django.http import HttpRequest

# Largest values of the database's integer columns: a bigger number from a form or query
# string would make the query itself fail (SQLite OverflowError, PostgreSQL out of range).
BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_int(value: object, maximum: int = BIGINT_MAX, minimum: int = 1) -> int | None:
    """A whole number in `minimum`..`maximum` written in ASCII digits, else None
    (`str.isdigit` also accepts digits such as "²" that `int()` refuses)."""
    text = str(value).strip() if value is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. X-Forwarded-For is trusted only from configured proxies,
    otherwise anyone could pick their own IP and dodge the per-IP lockout."""
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and remote in settings.PINGAN_TRUSTED_PROXIES:
        # The right-most entry not added by our own proxies is the client.
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop not in settings.PINGAN_TRUSTED_PROXIES:
                return hop
    return remote

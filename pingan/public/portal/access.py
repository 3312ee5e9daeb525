"""Who may see a case on the portal: proofs kept in one signed cookie, and survey links.

A citizen proves a case is theirs with its query code (a grant for that case) or with an
SMS one-time code (a grant for every case reported with that phone). Grants last
GRANT_SECONDS from the moment of proof and live in a cookie signed with the secret key, so
the server keeps no session for citizens. The SMS sent on closure carries a signed link
that opens the rating form without the code; it expires with the reopen window.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from pingan.flow.models import Case
from pingan.public.models import PublicReport

COOKIE = "pingan_portal"
SALT = "pingan.public.portal.access"
SURVEY_SALT = "pingan.public.portal.survey"
GRANT_SECONDS = 30 * 60
# The newest grants are kept; a browser that looked up more cases proves the old ones again.
MAX_CASES = 20
PATH = "/portal/"


@dataclass
class Grants:
    cases: dict[str, float] = field(default_factory=dict)
    phone: str = ""
    phone_at: float = 0.0

    def valid(self, now: float) -> Grants:
        cases = {n: t for n, t in self.cases.items() if now - t < GRANT_SECONDS}
        fresh = bool(self.phone) and now - self.phone_at < GRANT_SECONDS
        return Grants(cases, self.phone if fresh else "", self.phone_at if fresh else 0.0)


def read_grants(request: HttpRequest) -> Grants:
    """The unexpired grants of this browser (none when the cookie is missing or forged)."""
    cached = getattr(request, "_portal_grants", None)
    if cached is not None:
        return cached
    grants = Grants()
    raw = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=GRANT_SECONDS)
    if raw:
        try:
            data = json.loads(raw)
            grants = Grants(
                {str(k): float(v) for k, v in dict(data.get("c") or {}).items()},
                str(data.get("p") or ""),
                float(data.get("pt") or 0),
            ).valid(time.time())
        except (TypeError, ValueError, AttributeError):
            grants = Grants()
    request._portal_grants = grants
    return grants


def _write(request: HttpRequest, response: HttpResponse, grants: Grants) -> None:
    request._portal_grants = grants
    newest = dict(sorted(grants.cases.items(), key=lambda item: item[1])[-MAX_CASES:])
    value = json.dumps({"c": newest, "p": grants.phone, "pt": grants.phone_at}, sort_keys=True)
    response.set_signed_cookie(
        COOKIE,
        value,
        salt=SALT,
        max_age=GRANT_SECONDS,
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def grant_case(request: HttpRequest, response: HttpResponse, number: str) -> None:
    grants = read_grants(request)
    cases = {**grants.cases, number: time.time()}
    _write(request, response, Grants(cases, grants.phone, grants.phone_at))


def grant_phone(request: HttpRequest, response: HttpResponse, phone_hash: str) -> None:
    grants = read_grants(request)
    _write(request, response, Grants(dict(grants.cases), phone_hash, time.time()))


def forget(request: HttpRequest, response: HttpResponse) -> None:
    request._portal_grants = Grants()
    response.delete_cookie(COOKIE, path=PATH, samesite="Lax")


def can_see(request: HttpRequest, case: Case, report: PublicReport) -> bool:
    """True when this browser proved, within GRANT_SECONDS, that the case is its own."""
    grants = read_grants(request)
    if case.number in grants.cases:
        return True
    return bool(grants.phone) and bool(report.phone_hash) and grants.phone == report.phone_hash


# --- the survey link of the closing SMS -----------------------------------------------------
def survey_token(number: str) -> str:
    """`<number>:<timestamp>:<signature>`: short enough for an SMS, readable by nobody else."""
    return signing.TimestampSigner(salt=SURVEY_SALT).sign(number)


def survey_number(token: str) -> str | None:
    """The case number of a survey link made within the reopen window, else None."""
    max_age = settings.PINGAN_PUBLIC_REOPEN_DAYS * 86400
    try:
        return signing.TimestampSigner(salt=SURVEY_SALT).unsign(token, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return None


def survey_url(number: str) -> str:
    """The link the closing SMS carries (absolute, from PINGAN_PUBLIC_URL)."""
    from pingan.public.services import portal_url

    return portal_url(f"r/{survey_token(number)}/")

"""SMS one-time codes for "track my cases by phone".

A code is 6 digits, valid OTP_TTL, and may be tried MAX_ATTEMPTS times; only a keyed hash
bound to its challenge is stored. Asking for a code answers the same whether or not the
phone has cases: a challenge is made either way, the SMS goes out only when the phone
reported something (otherwise the message is recorded as skipped), and checking a code of
a phone without cases fails like a wrong code.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.audit.services import audit_log
from pingan.core.crypto import blind_index
from pingan.core.masking import mask_phone
from pingan.core.phones import phone_hash
from pingan.notify.models import Channel
from pingan.notify.services import notify_send
from pingan.public.codes import new_query_code
from pingan.public.models import PublicReport
from pingan.public.portal.models import OtpChallenge

PURPOSE = "public.portal.otp"
OTP_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
KEEP = dt.timedelta(days=1)
USERNAME = "public:portal"


def _code_hash(token: str, code: str) -> str:
    return blind_index(f"{token}\x00{code}", PURPOSE)


def otp_request(*, phone: str, ip: str | None = None) -> OtpChallenge:
    """Make a one-time code for `phone` (a normalised mobile number) and send it by SMS
    when the phone has public reports; returns the challenge (its `token` goes to the
    browser). Earlier unused codes of the phone stop working. No permission: the caller
    applied the rate limits. Side effects: the challenge row, one SMS record (sent, or
    skipped for a phone without reports), one audit record; the SMS is queued on commit.
    """
    now = timezone.now()
    hashed = phone_hash(phone)
    token = secrets.token_urlsafe(32)
    code = new_query_code()
    with transaction.atomic():
        OtpChallenge.objects.filter(
            phone_hash=hashed, verified_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        OtpChallenge.objects.filter(expires_at__lt=now - KEEP).delete()
        challenge = OtpChallenge.objects.create(
            token=token,
            phone_hash=hashed,
            code_hash=_code_hash(token, code),
            created_at=now,
            expires_at=now + OTP_TTL,
            ip=ip or None,
        )
        has_reports = PublicReport.objects.filter(phone_hash=hashed).exists()
        # Without reports the code is neither sent nor kept in the message record.
        notify_send(
            topic="public.otp",
            key=f"public.otp:{token}",
            channel=Channel.SMS,
            phone=phone,
            context={
                "code": code if has_reports else "******",
                "minutes": int(OTP_TTL.total_seconds() // 60),
            },
            skip="" if has_reports else "no public reports for this phone",
        )
        audit_log(
            actor=None,
            username=USERNAME,
            action="public.otp_request",
            object_type="public.otpchallenge",
            object_id=str(challenge.pk),
            ip=ip,
            detail={"phone": mask_phone(phone)},
        )
    return challenge


@dataclass(frozen=True)
class OtpOutcome:
    phone_hash: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.phone_hash)


def otp_verify(*, token: str, code: str, ip: str | None = None) -> OtpOutcome:
    """Check a code against the browser's challenge; on success the phone's hash.

    Unknown, expired, used, and wrong all give the same message; after MAX_ATTEMPTS tries
    the challenge is spent and the citizen asks for a new code. Each try counts (one
    conditional UPDATE, so parallel tries cannot exceed the limit) and is audited.
    """
    now = timezone.now()
    code = (code or "").strip()
    wrong = _("验证码不正确或已失效，请重新输入或重新获取。")
    with transaction.atomic():
        challenge = OtpChallenge.objects.filter(token=token or "-").first()
        live = challenge is not None and challenge.verified_at is None
        live = live and challenge.expires_at > now
        counted = live and bool(
            OtpChallenge.objects.filter(pk=challenge.pk, attempts__lt=MAX_ATTEMPTS).update(
                attempts=F("attempts") + 1
            )
        )
        matches = counted and hmac.compare_digest(
            _code_hash(challenge.token, code), challenge.code_hash
        )
        # A code opens one session: of two tries at once with the right code, one wins.
        matches = matches and bool(
            OtpChallenge.objects.filter(pk=challenge.pk, verified_at__isnull=True).update(
                verified_at=now
            )
        )
        spent = live and (not counted or (not matches and challenge.attempts + 1 >= MAX_ATTEMPTS))
        if matches:
            outcome = OtpOutcome(phone_hash=challenge.phone_hash)
        elif spent:
            outcome = OtpOutcome(error=_("验证码错误次数过多，请重新获取验证码。"))
        else:
            outcome = OtpOutcome(error=wrong)
        audit_log(
            actor=None,
            username=USERNAME,
            action="public.otp_verify",
            object_type="public.otpchallenge",
            object_id=str(challenge.pk) if challenge else "",
            ip=ip,
            outcome="ok" if matches else "failed",
            detail={} if matches else {"reason": "attempts" if spent else "code"},
        )
    return outcome

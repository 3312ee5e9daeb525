"""TOTP second factor (RFC 6238, 30-second steps, 6 digits) and single-use recovery codes.

Secrets are stored encrypted (`EncryptedTextField`); recovery codes only as a keyed hash
(`blind_index`, HMAC-SHA256), which is enough for 50-bit random codes and lets us find a code
with one indexed lookup. Each accepted TOTP step is remembered so a code cannot be replayed.
"""

from __future__ import annotations

import re
import secrets

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from pingan.accounts.models import Position, RecoveryCode, TwoFactorDevice, User
from pingan.accounts.roles import TOTP_REQUIRED_ROLES
from pingan.core.crypto import blind_index

STEP_SECONDS = 30
DIGITS = 6
# Accept the previous and next step too: phone clocks drift and people type slowly.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# No 0/o/1/l/i: the codes are read off paper.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 10
_TOTP_RE = re.compile(r"^\d{6}$")


def needs_totp(user: User) -> bool:
    """True when the user holds an active position whose role requires TOTP."""
    return Position.objects.filter(user=user, active=True, role__in=TOTP_REQUIRED_ROLES).exists()


def confirmed_device(user: User) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def pending_device(user: User) -> TwoFactorDevice:
    """The unconfirmed device being enrolled; created on first visit and kept across reloads
    so the QR code a person already scanned stays valid until they confirm."""
    device, _created = TwoFactorDevice.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32(length=32)}
    )
    return device


def provisioning_uri(device: TwoFactorDevice) -> str:
    """otpauth:// URI for authenticator apps; the issuer is the site name shown in the app."""
    return pyotp.TOTP(device.secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=device.user.username, issuer_name=settings.PINGAN_SITE_NAME
    )


def qr_svg(uri: str) -> str:
    """An inline SVG QR code (no network, no image files)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#111", light="#fff")


def grouped_secret(secret: str) -> str:
    """The manual-entry key in groups of four, as authenticator apps display it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalize_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def is_totp_format(code: str) -> bool:
    return bool(_TOTP_RE.match(normalize_code(code)))


def verify_totp(device: TwoFactorDevice, code: str, now: float | None = None) -> bool:
    """Check a 6-digit code against the device; accept each time step at most once."""
    code = normalize_code(code)
    if not _TOTP_RE.match(code):
        return False
    totp = pyotp.TOTP(device.secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int((timezone.now().timestamp() if now is None else now) // STEP_SECONDS)
    for step in (current, current - 1, current + 1):
        if step <= device.last_used_step:
            continue
        if constant_time_compare(totp.generate_otp(step), code):
            # Conditional update: of two requests racing with the same code, one wins.
            won = TwoFactorDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
                last_used_step=step
            )
            if won:
                device.last_used_step = step
            return bool(won)
    return False


def _hash_recovery(user: User, code: str) -> str:
    return blind_index(f"{user.pk}:{normalize_code(code)}", "totp-recovery-code")


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with 10 new ones; the plaintext is returned once."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_hash_recovery(user, code)) for code in codes
        )
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one recovery code. True once per code; the conditional update makes it single-use
    even when two requests present the same code at the same moment."""
    if not normalize_code(code):
        return False
    return bool(
        RecoveryCode.objects.filter(
            user=user, code_hash=_hash_recovery(user, code), used_at__isnull=True
        ).update(used_at=timezone.now())
    )


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def confirm_device(device: TwoFactorDevice, code: str) -> list[str] | None:
    """Finish enrolment: a valid first code confirms the device and issues recovery codes.

    Returns the new recovery codes, or None when the code is wrong.
    """
    with transaction.atomic():
        if not verify_totp(device, code):
            return None
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
        return regenerate_recovery_codes(device.user)


def reset_second_factor(user: User) -> None:
    """Forget the device and recovery codes; the user enrols again at next sign-in."""
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()

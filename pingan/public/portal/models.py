"""What the citizen portal keeps of its own: rate-limit counters, one-time codes, and the
idempotency tokens of report forms. Registered under the `public` app (imported by
`pingan.public.models`).

Nothing here names a person in clear: phones and addresses are stored as keyed hashes.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField


class RateCounter(models.Model):
    """Requests of one kind (`scope`) from one source (`key`: hashed IP or phone) in one
    fixed window. Incremented with one UPDATE (or INSERT) so every process counts the same."""

    scope = models.CharField(max_length=20)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        app_label = "public"
        verbose_name = _("访问频率计数")
        verbose_name_plural = _("访问频率计数")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="portal_rate_counter_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key[:8]}@{self.window_start:%Y-%m-%d %H:%M}={self.count}"


class OtpChallenge(models.Model):
    """One SMS one-time code asked for on the portal (6 digits, kept as a keyed hash).

    A challenge is made for every request, also for a number without cases (whose code is
    never sent), so the answers do not tell which numbers have cases. `token` identifies the
    challenge to the browser (in a signed cookie), never the phone.
    """

    token = models.CharField(max_length=43, unique=True)
    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        app_label = "public"
        verbose_name = _("查询验证码")
        verbose_name_plural = _("查询验证码")

    def __str__(self) -> str:
        return f"otp:{self.phone_hash[:8]}@{self.created_at:%Y-%m-%d %H:%M}"


class PortalSubmission(models.Model):
    """The idempotency token of one report form: a second submit of the same form finds the
    case made by the first. The query code is kept (encrypted) for the result page only for a
    short while, then cleared."""

    token = models.CharField(max_length=64, unique=True)
    case = models.OneToOneField(
        "flow.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        app_label = "public"
        verbose_name = _("网上平台提交记录")
        verbose_name_plural = _("网上平台提交记录")

    def __str__(self) -> str:
        return f"portal:{self.token[:8]}"

"""Request helpers shared by apps."""

from django.conf import settings
from django.http import HttpRequest


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

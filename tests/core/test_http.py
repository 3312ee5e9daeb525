from django.test import RequestFactory

from pingan.core.http import client_ip


def test_forwarded_for_only_from_trusted_proxy(settings):
    settings.PINGAN_TRUSTED_PROXIES = ["10.0.0.1"]
    rf = RequestFactory()
    trusted = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.1")
    spoofed = rf.get("/", REMOTE_ADDR="5.6.7.8", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(trusted) == "1.2.3.4"
    assert client_ip(spoofed) == "5.6.7.8"

from django.test import RequestFactory

from pingan.core.http import client_ip


def test_forwarded_for_only_from_trusted_proxy(settings):
    settings.PINGAN_TRUSTED_PROXIES = ["10.0.0.1"]
    rf = RequestFactory()
    trusted = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.1")
    spoofed = rf.get("/", REMOTE_ADDR="5.6.7.8", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(trusted) == "1.2.3.4"
    assert client_ip(spoofed) == "5.6.7.8"


def test_parse_int_takes_ascii_digits_within_the_column_range():
    from pingan.core.http import INTEGER_MAX, parse_int

    assert [parse_int(v) for v in ("1", " 42 ", str(2**63 - 1))] == [1, 42, 2**63 - 1]
    assert [parse_int(v) for v in (str(2**63), "0", "-1", "²", "１", "1.0", "", None)] == [None] * 8
    assert parse_int(str(2**31), INTEGER_MAX) is None
    assert parse_int("0", minimum=0) == 0

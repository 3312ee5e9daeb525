"""Citizen portal: rate limits per IP and per phone (database counters), 429 pages."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case
from pingan.notify.models import Notification
from pingan.public.portal.models import OtpChallenge, RateCounter
from pingan.public.portal.ratelimit import Limit, parse_limit, rate_count, rate_hit
from tests.public.portal_helpers import OTHER_PHONE, PHONE, post_report, submitted_code

PHONES = ["13800000001", "13800000002", "13800000003", "13800000004"]


@pytest.fixture
def portal(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return world


def limits(settings, **values):
    settings.PINGAN_PORTAL_RATE_LIMITS = {**settings.PINGAN_PORTAL_RATE_LIMITS, **values}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/1h", Limit(5, 3600)),
        ("3/10m", Limit(3, 600)),
        ("20/h", Limit(20, 3600)),
        (" 2 / 30s ", Limit(2, 30)),
    ],
)
def test_parse_limit(text, expected):
    assert parse_limit(text) == expected


@pytest.mark.parametrize("text", ["", "5", "0/1h", "5/1d", "x/1h", "5/-1h"])
def test_bad_limits_are_configuration_errors(text):
    with pytest.raises(ImproperlyConfigured):
        parse_limit(text)


def test_counts_per_source_and_window(db, settings):
    limits(settings, track_ip="2/1h")
    now = timezone.now()
    assert [rate_hit("track_ip", "1.2.3.4", now=now) for _ in range(3)] == [True, True, False]
    assert rate_hit("track_ip", "5.6.7.8", now=now) is True
    assert rate_count("track_ip", "1.2.3.4", now=now) == 3
    # The next window starts from zero.
    assert rate_hit("track_ip", "1.2.3.4", now=now + dt.timedelta(hours=1)) is True
    # Counters keep hashes, never the address itself; windows a day old are dropped.
    assert not RateCounter.objects.filter(key__contains="1.2.3.4").exists()
    rate_hit("track_ip", "9.9.9.9", now=now + dt.timedelta(days=2))
    assert set(RateCounter.objects.values_list("window_start", flat=True)) == {
        RateCounter.objects.order_by("-window_start").first().window_start
    }


def test_reports_per_ip(portal, settings):
    limits(settings, report_ip="2/1h")
    client = Client()
    for phone in PHONES[:2]:
        assert post_report(client, phone=phone).status_code == 302
    response = post_report(client, phone=PHONES[2])
    assert response.status_code == 429
    html = response.content.decode()
    assert "操作太频繁，请稍后再试" in html
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Case.objects.count() == 2
    audit = AuditRecord.objects.get(action="public.portal_refused")
    assert (audit.actor_username, audit.outcome, audit.detail) == (
        "public:portal",
        "denied",
        {"reason": "rate_limit", "path": "/portal/report/", "scope": "report_ip"},
    )
    # Another address is not held back.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert post_report(other, phone=PHONES[3]).status_code == 302


def test_reports_per_phone(portal, settings):
    limits(settings, report_phone="1/1h")
    assert post_report(Client(REMOTE_ADDR="198.51.100.1")).status_code == 302
    response = post_report(Client(REMOTE_ADDR="198.51.100.2"))
    assert response.status_code == 429
    assert Case.objects.count() == 1
    assert post_report(Client(REMOTE_ADDR="198.51.100.3"), phone=OTHER_PHONE).status_code == 302


def test_invalid_reports_do_not_use_up_the_limit(portal, settings):
    limits(settings, report_ip="1/1h")
    client = Client()
    assert post_report(client, description="").status_code == 400
    assert post_report(client).status_code == 302


def test_otp_sends_per_phone_and_per_ip(portal, settings):
    post_report(Client())
    limits(settings, otp_phone="2/10m", otp_ip="3/1h")
    client = Client()
    codes = [client.post("/portal/track/phone/", {"phone": PHONE}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert OtpChallenge.objects.count() == 2
    # Per IP: a third number from the same address still passes, a fourth does not.
    assert client.post("/portal/track/phone/", {"phone": OTHER_PHONE}).status_code == 429
    assert OtpChallenge.objects.count() == 2
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post("/portal/track/phone/", {"phone": OTHER_PHONE}).status_code == 302


def test_track_lookups_per_ip_even_with_the_right_code(portal, settings):
    reporter = Client()
    post_report(reporter)
    number, code = submitted_code(reporter)
    limits(settings, track_ip="3/10m")
    client = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(3):
        assert (
            client.post("/portal/track/", {"number": number, "code": "000001"}).status_code == 400
        )
    response = client.post("/portal/track/", {"number": number, "code": code})
    assert response.status_code == 429
    assert client.get(f"/portal/case/{number}/").status_code == 302


def test_otp_checks_count_against_the_lookup_limit(portal, settings):
    post_report(Client())
    limits(settings, track_ip="2/10m")
    client = Client(REMOTE_ADDR="198.51.100.30")
    client.post("/portal/track/phone/", {"phone": PHONE})
    body = Notification.objects.get(topic="public.otp").body
    wrong = "000000" if "000000" not in body else "111111"
    statuses = [client.post("/portal/track/verify/", {"code": wrong}).status_code for _ in range(3)]
    assert statuses[2] == 429
    assert OtpChallenge.objects.get().attempts == 2

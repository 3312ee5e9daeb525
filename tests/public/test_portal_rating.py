"""Citizen portal: rating a closed case, asking for reopening, and the SMS survey link."""

import datetime as dt
import re
import time

import pytest
from django.test import Client
from django.utils import timezone

from pingan.flow.models import Case, CaseAction
from pingan.notify.models import Notification
from pingan.public.portal.access import survey_number, survey_token
from pingan.public.selectors import find_public_case
from tests.flow.factories import act
from tests.public.portal_helpers import close, post_report, submitted_code


@pytest.fixture
def portal(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PINGAN_PUBLIC_REOPEN_DAYS = 15
    return world


@pytest.fixture
def closed(portal):
    """(browser holding the proof, closed case)."""
    client = Client()
    post_report(client)
    number, code = submitted_code(client)
    case = close(portal, Case.objects.get(number=number))
    assert find_public_case(number, code) == case
    return client, case


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def snapshot(case: Case) -> tuple:
    case = fresh(case)
    return case.state, case.satisfaction, case.version, case.actions.count()


def test_closed_case_offers_rating_and_reopening(closed):
    client, case = closed
    html = client.get(f"/portal/case/{case.number}/").content.decode()
    assert 'id="rate"' in html and 'id="reopen"' in html
    assert "已办结" in html
    for label in ("满意", "基本满意", "不满意"):
        assert f"> {label}</label>" in html


def test_satisfied_rating_archives_the_case(closed):
    client, case = closed
    response = client.post(f"/portal/case/{case.number}/rate/", {"satisfaction": "satisfied"})
    assert (response.status_code, response["Location"]) == (302, f"/portal/case/{case.number}/")
    case = fresh(case)
    assert (case.state, case.satisfaction) == ("archived", "satisfied")
    row = case.actions.order_by("-seq").first()
    assert (row.action, row.actor_id, row.role, row.payload["channel"]) == (
        "callback",
        None,
        "citizen",
        "portal",
    )
    html = client.get(f"/portal/case/{case.number}/").content.decode()
    assert "感谢您的评价！" in html and "您的评价：<strong>满意</strong>" in html
    assert 'id="rate"' not in html and 'id="reopen"' in html
    assert "已回访（满意）" in html


def test_unsatisfied_rating_reopens_the_case(closed):
    client, case = closed
    client.post(
        f"/portal/case/{case.number}/rate/", {"satisfaction": "unsatisfied", "note": "灯还是不亮"}
    )
    case = fresh(case)
    assert (case.state, case.satisfaction, case.reopen_count) == ("handling", "unsatisfied", 1)
    assert case.closed_at is None


def test_bad_rating_is_a_field_error_and_changes_nothing(closed):
    client, case = closed
    before = snapshot(case)
    response = client.post(f"/portal/case/{case.number}/rate/", {"satisfaction": "great"})
    assert response.status_code == 400 and "请选择满意程度。" in response.content.decode()
    assert snapshot(case) == before


def test_an_open_case_cannot_be_rated_or_reopened(portal):
    client = Client()
    post_report(client)
    number, _code = submitted_code(client)
    case = Case.objects.get(number=number)
    act(portal.village, case, "accept")
    before = snapshot(case)
    html = client.get(f"/portal/case/{number}/").content.decode()
    assert 'id="rate"' not in html and 'id="reopen"' not in html
    assert (
        client.post(f"/portal/case/{number}/rate/", {"satisfaction": "satisfied"}).status_code
        == 409
    )
    assert client.post(f"/portal/case/{number}/reopen/", {"reason": "再办"}).status_code == 409
    assert snapshot(case) == before


def test_reopen_inside_the_window(closed):
    client, case = closed
    response = client.post(f"/portal/case/{case.number}/reopen/", {"reason": "路灯又坏了"})
    assert response.status_code == 302
    case = fresh(case)
    assert (case.state, case.reopen_count) == ("handling", 1)
    row = case.actions.order_by("-seq").first()
    assert (row.action, row.note, row.actor_id) == ("reopen", "路灯又坏了", None)


def test_reopen_needs_a_reason(closed):
    client, case = closed
    before = snapshot(case)
    response = client.post(f"/portal/case/{case.number}/reopen/", {"reason": "  "})
    assert response.status_code == 400
    assert "请写明申请重新办理的理由。" in response.content.decode()
    assert snapshot(case) == before


def test_reopen_after_an_archived_rating(closed, portal):
    client, case = closed
    act(portal.village, case, "callback", satisfaction="basically_satisfied")
    assert fresh(case).state == "archived"
    response = client.post(f"/portal/case/{case.number}/reopen/", {"reason": "问题复发"})
    assert response.status_code == 302
    assert fresh(case).state == "handling"


@pytest.mark.parametrize("days", [15, 16])
def test_window_edges(closed, days):
    client, case = closed
    closed_at = timezone.now() - dt.timedelta(days=days) + dt.timedelta(minutes=5)
    Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
    before = snapshot(case)
    html = client.get(f"/portal/case/{case.number}/").content.decode()
    reopen = client.post(f"/portal/case/{case.number}/reopen/", {"reason": "还没修好"})
    if days == 15:
        assert 'id="reopen"' in html and reopen.status_code == 302
        assert fresh(case).state == "handling"
    else:
        assert 'id="reopen"' not in html and 'id="rate"' not in html
        assert "已超过期限" in html
        assert reopen.status_code == 409
        assert "须在办结后 15 天内" in reopen.content.decode()
        rate = client.post(f"/portal/case/{case.number}/rate/", {"satisfaction": "unsatisfied"})
        assert rate.status_code == 409
        assert snapshot(case) == before


def test_the_window_is_a_setting(closed, settings):
    client, case = closed
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=20))
    settings.PINGAN_PUBLIC_REOPEN_DAYS = 30
    assert (
        client.post(f"/portal/case/{case.number}/reopen/", {"reason": "未解决"}).status_code == 302
    )


def test_rating_without_proof_changes_nothing(closed):
    _client, case = closed
    before = snapshot(case)
    stranger = Client()
    response = stranger.post(f"/portal/case/{case.number}/rate/", {"satisfaction": "unsatisfied"})
    assert response["Location"] == f"/portal/track/?number={case.number}"
    assert stranger.post(f"/portal/case/{case.number}/reopen/", {"reason": "x"}).status_code == 302
    assert snapshot(case) == before


def test_rating_form_needs_the_csrf_token(closed):
    _client, case = closed
    client = Client(enforce_csrf_checks=True)
    client.get(f"/portal/r/{survey_token(case.number)}/")
    before = snapshot(case)
    response = client.post(f"/portal/case/{case.number}/rate/", {"satisfaction": "satisfied"})
    assert response.status_code == 403
    assert snapshot(case) == before


# --- the survey link of the closing SMS ----------------------------------------------------
def test_closing_sms_carries_a_signed_link_to_the_rating_form(
    portal, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        post_report(client)
    number, _code = submitted_code(client)
    with django_capture_on_commit_callbacks(execute=True):
        close(portal, Case.objects.get(number=number))
    sms = Notification.objects.get(topic="public.survey")
    link = re.search(r"http://127\.0\.0\.1:8000(/portal/r/[^/\s]+/)", sms.body).group(1)
    stranger = Client()
    response = stranger.get(link)
    assert (response.status_code, response["Location"]) == (302, f"/portal/case/{number}/#rate")
    html = stranger.get(f"/portal/case/{number}/").content.decode()
    assert 'id="rate"' in html
    stranger.post(f"/portal/case/{number}/rate/", {"satisfaction": "basically_satisfied"})
    assert Case.objects.get(number=number).satisfaction == "basically_satisfied"
    # Other steps keep linking to the look-up page.
    step = Notification.objects.filter(topic="public.step").first()
    assert "http://127.0.0.1:8000/portal/track/" in step.body


def test_bad_or_expired_survey_links_are_refused(closed, monkeypatch):
    _client, case = closed
    token = survey_token(case.number)
    assert survey_number(token) == case.number
    stranger = Client()
    tampered = stranger.get(f"/portal/r/{token[:-2]}xx/")
    assert tampered.status_code == 404 and "链接已失效" in tampered.content.decode()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 16 * 86400)
    old = survey_token(case.number)
    monkeypatch.setattr(time, "time", real_time)
    assert survey_number(old) is None
    assert stranger.get(f"/portal/r/{old}/").status_code == 404
    assert stranger.get(f"/portal/case/{case.number}/").status_code == 302


def test_survey_history_row_names_no_staff(closed):
    client, case = closed
    client.post(f"/portal/case/{case.number}/rate/", {"satisfaction": "satisfied"})
    row = CaseAction.objects.filter(case=case).order_by("-seq").first()
    assert row.actor_id is None and row.position_id is None

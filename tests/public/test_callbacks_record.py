"""Recording a callback on the case's callback page, and the SMS survey link."""

import re

import pytest

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case, CaseAction
from pingan.flow.services import case_act_public
from pingan.notify.models import Notification
from pingan.public.callbacks.models import CallbackAttempt
from pingan.public.portal.access import survey_number
from tests.accounts.factories import sign_in
from tests.flow.factories import act, report
from tests.public.callcentre_helpers import CALLER, close_by_town, close_by_village, portal_case


@pytest.fixture
def closed(world):
    world.case = close_by_town(world, portal_case())
    return world


def url(case, what=""):
    return f"/callbacks/{case.number}/{what + '/' if what else ''}"


def post_record(client, case, **data):
    case = Case.objects.get(pk=case.pk)
    body = {"version": str(case.version), **data}
    return client.post(url(case, "record"), body, HTTP_HX_REQUEST="true")


def test_the_case_page_shows_the_masked_reporter_and_public_timeline(client, closed):
    sign_in(client, closed.town)
    response = client.get(url(closed.case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "138****5678" in html and CALLER not in html
    assert [s.action for s in response.context["steps"]] == [
        "report",
        "accept",
        "escalate",
        "accept",
        "feedback",
        "verify_pass",
        "close",
    ]
    assert response.context["can_record"] is True
    assert 'hx-post="/callbacks/' in html and "不满意”后案件将自动重新办理" in html


def test_recording_satisfied_archives_the_case(client, closed):
    sign_in(client, closed.town)
    response = post_record(
        client, closed.case, reached="yes", satisfaction="satisfied", note="很好"
    )
    assert response.status_code == 200
    assert "已记录回访结果，案件已回访归档" in response.content.decode()
    case = Case.objects.get(pk=closed.case.pk)
    assert (case.state, case.satisfaction) == ("archived", "satisfied")
    step = CaseAction.objects.filter(case=case).order_by("-seq").first()
    assert (step.action, step.payload, step.actor_id) == (
        "callback",
        {"satisfaction": "satisfied", "reopened": False},
        closed.town.user.pk,
    )
    attempt = CallbackAttempt.objects.get()
    assert (attempt.reached, attempt.satisfaction, attempt.note, attempt.unit_code) == (
        True,
        "satisfied",
        "很好",
        "990101001",
    )
    assert AuditRecord.objects.filter(action="callback.attempt", object_id=case.number).count() == 1
    assert case.number not in [r.case.number for r in client.get("/callbacks/").context["rows"]]


def test_unsatisfied_reopens_per_the_setting(client, closed, settings):
    sign_in(client, closed.town)
    response = post_record(client, closed.case, reached="yes", satisfaction="unsatisfied")
    assert "案件已重新办理" in response.content.decode()
    case = Case.objects.get(pk=closed.case.pk)
    assert (case.state, case.holder_code, case.reopen_count) == ("handling", "990101001", 1)
    settings.PINGAN_REOPEN_ON_UNSATISFIED = False
    other = close_by_town(closed, portal_case(description="另一件"))
    page = client.get(url(other))
    assert "不自动重新办理" in page.content.decode()
    post_record(client, other, reached="yes", satisfaction="unsatisfied")
    assert Case.objects.get(pk=other.pk).state == "archived"


def test_not_reached_attempts_count_and_give_up_needs_enough_attempts(client, closed, settings):
    settings.PINGAN_CALLBACK_MAX_ATTEMPTS = 2
    sign_in(client, closed.town)
    early = post_record(client, closed.case, reached="no", give_up="1")
    assert early.status_code == 400
    assert early.context["errors"] == {"give_up": ["未接通满 2 次后才能按无法联系结束回访。"]}
    assert not CallbackAttempt.objects.exists()
    first = post_record(client, closed.case, reached="no", note="关机")
    assert first.status_code == 200 and "已记录未接通" in first.content.decode()
    assert 'name="give_up"' in first.content.decode()
    last = post_record(client, closed.case, reached="no", give_up="1")
    assert "已按无法联系结束回访" in last.content.decode()
    assert list(CallbackAttempt.objects.values_list("reached", "gave_up")) == [
        (False, False),
        (False, True),
    ]
    case = Case.objects.get(pk=closed.case.pk)
    assert (case.state, case.satisfaction) == ("closed", "")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"reached": ["请选择是否联系上。"]}),
        ({"reached": "yes"}, {"satisfaction": ["请选择满意度。"]}),
        ({"reached": "yes", "satisfaction": "great"}, {"satisfaction": ["请选择满意度。"]}),
        (
            {"reached": "yes", "satisfaction": "satisfied", "note": "x" * 2001},
            {"note": ["回访记录不能超过 2000 字。"]},
        ),
    ],
)
def test_bad_input_is_400_and_nothing_is_saved(client, closed, data, errors):
    sign_in(client, closed.town)
    response = post_record(client, closed.case, **data)
    assert response.status_code == 400
    assert response.context["errors"] == errors
    assert Case.objects.get(pk=closed.case.pk).state == "closed"
    assert not CallbackAttempt.objects.exists()


def test_another_units_case_or_a_stale_page_is_409_and_nothing_changes(client, closed):
    sign_in(client, closed.village)
    response = post_record(client, closed.case, reached="yes", satisfaction="satisfied")
    assert response.status_code == 409
    assert "由其他单位负责回访" in response.content.decode()
    assert 'id="not-mine"' in response.content.decode()
    sign_in(client, closed.town)
    stale = Case.objects.get(pk=closed.case.pk).version - 1
    response = client.post(
        url(closed.case, "record"),
        {"version": str(stale), "reached": "yes", "satisfaction": "satisfied"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    for data in ({"reached": "yes", "satisfaction": "satisfied"}, {"reached": "no"}):
        response = client.post(
            url(closed.case, "record"), {"version": str(stale), **data}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 409
    assert Case.objects.get(pk=closed.case.pk).state == "closed"
    assert not CallbackAttempt.objects.exists()
    denials = AuditRecord.objects.filter(action="callback.attempt").values_list(
        "outcome", flat=True
    )
    assert sorted(denials) == ["conflict", "conflict", "conflict", "denied"]


def test_village_staff_call_back_what_their_village_closed(client, world):
    case = close_by_village(world, report(world.grid_worker))
    sign_in(client, world.village)
    response = post_record(client, case, reached="yes", satisfaction="basically_satisfied")
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).satisfaction == "basically_satisfied"


def test_survey_sms_is_sent_once_per_closure_with_the_signed_link(
    client, closed, django_capture_on_commit_callbacks
):
    sign_in(client, closed.town)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url(closed.case, "survey"))
    assert first.status_code == 200 and "评价短信已发送。" in first.content.decode()
    again = client.post(url(closed.case, "survey"))
    assert again.status_code == 200 and "评价短信已发送过" in again.content.decode()
    sms = Notification.objects.get(topic="public.survey")
    assert (sms.phone, sms.status, sms.key) == (CALLER, "sent", sms.key)
    assert sms.key.startswith(f"callback.survey:{closed.case.number}:")
    token = re.search(r"/portal/r/([^/ ]+)/", sms.body).group(1)
    assert survey_number(token) == closed.case.number
    assert AuditRecord.objects.filter(action="callback.survey_sms").count() == 1
    # The citizen's rating through the link takes the case off the queue.
    case_act_public(case=closed.case, action="callback", channel="portal", satisfaction="satisfied")
    assert closed.case.number not in [
        r.case.number for r in client.get("/callbacks/").context["rows"]
    ]


def test_survey_after_a_reopen_and_new_closure_is_a_new_message(client, closed):
    sign_in(client, closed.town)
    client.post(url(closed.case, "survey"))
    case = act(closed.town, closed.case, "reopen", note="群众要求重办")
    for actor, action in [
        (closed.town, "feedback"),
        (closed.grid_worker, "verify_pass"),
        (closed.town, "close"),
    ]:
        case = act(actor, case, action)
    client.post(url(case, "survey"))
    assert Notification.objects.filter(topic="public.survey").count() == 2


def test_survey_needs_a_mobile_and_an_open_rating_window(client, closed, settings):
    sign_in(client, closed.town)
    no_phone = close_by_town(closed, portal_case(phone="", description="没留电话的问题"))
    response = client.post(url(no_phone, "survey"))
    assert response.status_code == 400
    assert "没有可接收短信的手机号码" in response.content.decode()
    settings.PINGAN_PUBLIC_REOPEN_DAYS = 0
    response = client.post(url(closed.case, "survey"))
    assert response.status_code == 400 and "不在群众评价期内" in response.content.decode()
    assert not Notification.objects.filter(topic="public.survey").exists()

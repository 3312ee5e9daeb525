"""The 纠纷信息 card of a dispute's case page and its mediation, agreement and 司法确认 forms."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.command.dispute_panel import confirmation_warning
from pingan.events.dispute_casetype import step_allowed
from pingan.events.disputes import agreement_record, dispute_report, mediation_record
from pingan.events.models import MediationAgreement, MediationAttempt
from pingan.flow.models import Case, CaseAction
from tests.accounts.factories import sign_in
from tests.flow.factories import IN_G1, act, report

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"
FORMS = ("mediation", "agreement", "agreement_confirm")
URLS = {
    "mediation": "dispute/mediations/",
    "agreement": "dispute/agreement/",
    "agreement_confirm": "dispute/agreement/confirm/",
}


def today() -> dt.date:
    return timezone.localdate()


def register(world) -> Case:
    """A dispute reported by the G1 grid worker: 待受理 at village 1."""
    return dispute_report(
        actor=world.grid_worker,
        category="17",
        scale="large",
        summary="两户因宅基地边界发生争执",
        occurred_on=(today() - dt.timedelta(days=2)).isoformat(),
        address="示范村三组",
        lng=IN_G1[0],
        lat=IN_G1[1],
        parties_count=3,
        people_involved=5,
        amount_involved="12000.50",
        parties=[
            {"name": "张三", "role": "applicant", "phone": PHONE, "id_number": ID_NUMBER},
            {"name": "李四", "role": "respondent"},
        ],
    )


@pytest.fixture
def dispute(world) -> Case:
    """The dispute accepted by the village: 办理中, held by village 1."""
    return act(world.village, register(world), "accept")


def mediation(**extra) -> dict:
    data = {
        "mediated_on": today().isoformat(),
        "method": "people",
        "organisation": "示范村人民调解委员会",
        "mediator": "王调解",
        "result": "success",
        "notes": "双方同意以现有界桩为准",
    }
    data.update(extra)
    return data


def mediated(world, case: Case, **extra) -> Case:
    mediation_record(actor=world.village, case=case, **mediation(**extra))
    return Case.objects.get(pk=case.pk)


def agreed(world, case: Case, days_ago: int = 1) -> Case:
    agreed_on = today() - dt.timedelta(days=days_ago)
    agreement_record(actor=world.village, case=case, agreed_on=agreed_on, content="以界桩为界")
    return Case.objects.get(pk=case.pk)


def post(client, case, step, htmx=True, **data):
    headers = HX if htmx else {}
    return client.post(f"/command/cases/{case.number}/{URLS[step]}", data, **headers)


def page(client, case) -> str:
    response = client.get(f"/command/cases/{case.number}/")
    assert response.status_code == 200
    return response.content.decode()


def shown_forms(html: str) -> list[str]:
    return re.findall(r'data-dispute-form="(\w+)"', html)


def snapshot(case: Case) -> tuple:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.state,
        fresh.version,
        CaseAction.objects.filter(case=fresh).count(),
        MediationAttempt.objects.filter(case=fresh).count(),
        list(MediationAgreement.objects.filter(case=fresh).values_list("confirmed", flat=True)),
    )


# --- the card -------------------------------------------------------------------------------
def test_card_shows_the_dispute_with_phone_and_id_number_masked(client, world, dispute):
    sign_in(client, world.village)
    html = page(client, dispute)
    assert "纠纷信息" in html
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>(.*?)</dd>", html[html.index("纠纷信息") :]))
    assert re.sub(r"<[^>]+>", "", facts["纠纷类别"]) == "婚姻家庭邻里等各类民间纠纷 17"
    assert facts["规模"] == "较大"
    assert facts["纠纷简述"] == "两户因宅基地边界发生争执"
    assert facts["发生日期"] == (today() - dt.timedelta(days=2)).isoformat()
    assert facts["发生地点"] == "示范村三组"
    assert (facts["当事人数量"], facts["涉及人数"], facts["涉及金额"]) == ("3", "5", "12000.50 元")
    parties = html[
        html.index('id="dispute-parties"') : html.index(
            "</table>", html.index('id="dispute-parties"')
        )
    ]
    rows = [
        re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(<td.*?)</tr>", parties)
    ]
    assert rows == [
        ["张三", "申请人", "138****5678", "110105********002X"],
        ["李四", "被申请人", "—", "—"],
    ]
    # The full values appear nowhere on the page, nor any unmasked middle part of them.
    assert PHONE not in html and ID_NUMBER not in html and "19491231" not in html
    assert "暂无调解记录。" in html and "尚未登记调解协议。" in html


def test_event_case_has_no_dispute_card(client, world):
    event = report(world.grid_worker)
    sign_in(client, world.village)
    html = page(client, event)
    assert 'id="case-dispute"' not in html and "纠纷信息" not in html
    response = post(client, event, "mediation", **mediation())
    assert response.status_code == 404
    assert MediationAttempt.objects.count() == 0


def test_forms_are_shown_exactly_when_the_services_allow_them(client, world):
    case = register(world)
    sign_in(client, world.village)
    # 待受理: nothing can be recorded yet.
    assert shown_forms(page(client, case)) == []
    case = act(world.village, case, "accept")
    html = page(client, case)
    assert shown_forms(html) == ["mediation"]
    assert "请先登记一次调解成功或部分成功的调解记录。" in html  # why no agreement form yet
    case = mediated(world, case, result="failure")
    assert shown_forms(page(client, case)) == ["mediation"]
    case = mediated(world, case, result="partial")
    assert shown_forms(page(client, case)) == ["mediation", "agreement"]
    case = agreed(world, case)
    html = page(client, case)
    assert shown_forms(html) == ["mediation", "agreement_confirm"]
    assert 'id="agreement-hint"' not in html
    # Every form shown matches the rule the services apply, for each actor who can see it.
    for actor in (world.village, world.town, world.county, world.grid_worker, world.leader):
        client.logout()
        sign_in(client, actor)
        expected = [step for step in FORMS if step_allowed(actor, case, step)]
        expected = [s for s in expected if s != "agreement"]  # already recorded
        assert shown_forms(page(client, case)) == expected, actor.role
    # The town above sees the card but holds nothing: no forms.
    client.logout()
    sign_in(client, world.town)
    assert shown_forms(page(client, case)) == []


def test_assisting_department_may_record_mediation_after_dispatch(client, world):
    case = act(world.town, act(world.village, register(world), "escalate"), "accept")
    case = act(world.town, case, "dispatch", department=world.police_code, assist=[world.sifa_code])
    case = act(world.police, case, "accept")
    sign_in(client, world.sifa)
    assert shown_forms(page(client, case)) == ["mediation"]
    response = post(client, case, "mediation", **mediation(organisation="某镇司法所"))
    assert response.status_code == 200
    assert MediationAttempt.objects.get(case=case).organisation == "某镇司法所"


# --- mediation -------------------------------------------------------------------------------
def test_record_mediation_refreshes_card_status_and_timeline(client, world, dispute):
    sign_in(client, world.village)
    seen = Case.objects.get(pk=dispute.pk).version
    response = post(client, dispute, "mediation", **mediation())
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section class="card" id="case-dispute">') and "<html" not in html
    assert "调解记录已登记。" in html
    row = re.search(r'<tr data-result="success">(.*?)</tr>', html).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row) == [
        today().isoformat(),
        "人民调解",
        "示范村人民调解委员会",
        "王调解",
        "成功",
        "双方同意以现有界桩为准",
    ]
    # The agreement form is offered now that a mediation succeeded.
    assert shown_forms(html) == ["mediation", "agreement"]
    # The status panel comes along (the case version moved) and so does the timeline.
    fresh = Case.objects.get(pk=dispute.pk)
    assert fresh.version == seen + 1 and fresh.state == "handling"
    assert '<aside class="cmd-case-side" id="case-side" hx-swap-oob="true">' in html
    assert f'name="version" value="{fresh.version}"' in html
    assert 'id="case-history" hx-swap-oob="true"' in html
    assert "调解（人民调解，示范村人民调解委员会，调解员 王调解）：调解成功" in html
    attempt = MediationAttempt.objects.get(case=dispute)
    assert (attempt.method, attempt.result, attempt.mediator, attempt.recorded_by) == (
        "people",
        "success",
        "王调解",
        world.village.user,
    )
    assert AuditRecord.objects.filter(
        action="dispute.mediation_record", object_id=dispute.number
    ).exists()


def test_mediation_field_errors_are_shown_next_to_fields_and_nothing_saved(client, world, dispute):
    sign_in(client, world.village)
    before = snapshot(dispute)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = post(
        client,
        dispute,
        "mediation",
        **mediation(mediated_on=tomorrow, organisation="", mediator="", notes="保留的情况说明"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "请修改标出的内容后重试。" in html
    form = html[html.index('data-dispute-form="mediation" open') :]
    for field, message in (
        ("mediated_on", "日期不能晚于今天。"),
        ("organisation", "请填写调解组织。"),
        ("mediator", "请填写调解员。"),
    ):
        after_field = form[form.index(f'name="{field}"') :]
        assert after_field.index(message) < after_field.index('class="form-row"'), field
    # What was typed is kept for correcting.
    assert f'value="{tomorrow}"' in form and "保留的情况说明</textarea>" in form
    bad_choice = post(client, dispute, "mediation", **mediation(method="phone", result="x"))
    assert bad_choice.status_code == 400
    text = bad_choice.content.decode()
    assert "调解方式应为人民调解、行政调解、司法调解或其他。" in text
    assert "调解结果应为成功、失败或部分。" in text
    assert snapshot(dispute) == before


def test_mediation_not_allowed_now_is_409_and_changes_nothing(client, world):
    case = register(world)  # 待受理 at the village
    sign_in(client, world.village)
    before = snapshot(case)
    response = post(client, case, "mediation", **mediation())
    html = response.content.decode()
    assert response.status_code == 409
    assert "只有承办或协办单位在办理中才能登记调解情况。" in html
    assert 'id="dispute-message"' in html and shown_forms(html) == []
    assert snapshot(case) == before
    # The town above sees the case being handled by the village, but does not hold it.
    case = act(world.village, case, "accept")
    client.logout()
    sign_in(client, world.town)
    before = snapshot(case)
    assert post(client, case, "mediation", **mediation()).status_code == 409
    assert snapshot(case) == before


# --- agreement and 司法确认 ----------------------------------------------------------------------
def test_record_agreement_then_confirm_it(client, world, dispute):
    case = mediated(world, dispute)
    sign_in(client, world.village)
    agreed_on = today() - dt.timedelta(days=3)
    deadline = (agreed_on + dt.timedelta(days=30)).isoformat()
    response = post(
        client, case, "agreement", agreed_on=agreed_on.isoformat(), content="李四补偿 2000 元"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"调解协议已登记，司法确认申请截止 {deadline}。" in html
    agreement = html[html.index('id="dispute-agreement"') :]
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>(.*?)</dd>", agreement))
    assert facts["协议日期"] == agreed_on.isoformat()
    assert facts["协议内容"] == "李四补偿 2000 元"
    assert facts["司法确认申请截止"] == deadline
    assert 'data-confirmed="false"' in html and "未确认" in html
    assert 'id="confirmation-warning"' not in html  # 27 days left
    assert shown_forms(html) == ["mediation", "agreement_confirm"]
    assert f"达成调解协议（协议日期 {agreed_on.isoformat()}），司法确认申请截止 {deadline}" in html
    row = MediationAgreement.objects.get(case=case)
    assert (row.agreed_on, row.confirmed, row.content) == (agreed_on, False, "李四补偿 2000 元")

    response = post(client, case, "agreement_confirm")
    html = response.content.decode()
    assert response.status_code == 200
    assert "已登记司法确认。" in html and 'data-confirmed="true"' in html
    assert shown_forms(html) == ["mediation"]
    assert "调解协议已经司法确认" in html  # the timeline entry
    assert MediationAgreement.objects.get(case=case).confirmed is True
    actions = list(
        CaseAction.objects.filter(case=case).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-3:] == ["mediation", "agreement", "agreement_confirm"]


def test_agreement_recorded_as_already_confirmed(client, world, dispute):
    case = mediated(world, dispute)
    sign_in(client, world.village)
    response = post(
        client, case, "agreement", agreed_on=today().isoformat(), content="协议", confirmed="1"
    )
    assert response.status_code == 200
    assert MediationAgreement.objects.get(case=case).confirmed is True
    assert shown_forms(response.content.decode()) == ["mediation"]


def test_agreement_field_errors_and_nothing_saved(client, world, dispute):
    case = mediated(world, dispute)
    sign_in(client, world.village)
    before = snapshot(case)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = post(client, case, "agreement", agreed_on=tomorrow, content="", confirmed="1")
    html = response.content.decode()
    assert response.status_code == 400
    form = html[html.index('data-dispute-form="agreement" open') :]
    assert form.index("日期不能晚于今天。") < form.index('name="content"')
    content = form[form.index('name="content"') :]
    assert content.index("请填写协议内容摘要。") < content.index('name="confirmed"')
    assert 'name="confirmed" value="1" checked' in form
    assert snapshot(case) == before


def test_agreement_without_successful_mediation_is_refused(client, world, dispute):
    case = mediated(world, dispute, result="failure")
    sign_in(client, world.village)
    before = snapshot(case)
    response = post(client, case, "agreement", agreed_on=today().isoformat(), content="协议")
    assert response.status_code == 400
    assert "请先登记一次调解成功或部分成功的调解记录。" in response.content.decode()
    assert snapshot(case) == before


def test_confirm_not_allowed_and_twice(client, world, dispute):
    case = agreed(world, mediated(world, dispute))
    # The grid worker sees the case but is neither holder, 协办 nor command unit.
    sign_in(client, world.grid_worker)
    before = snapshot(case)
    response = post(client, case, "agreement_confirm")
    assert response.status_code == 409
    assert "只有承办或协办单位在办理中才能登记调解情况。" in response.content.decode()
    assert snapshot(case) == before
    # A confirmation already recorded (e.g. in another window) is not recorded again.
    client.logout()
    sign_in(client, world.village)
    assert post(client, case, "agreement_confirm").status_code == 200
    before = snapshot(case)
    response = post(client, case, "agreement_confirm")
    assert response.status_code == 400
    assert "该调解协议已登记为司法确认。" in response.content.decode()
    assert snapshot(case) == before


def test_command_unit_confirms_after_the_case_is_closed(client, world):
    case = act(world.town, act(world.village, register(world), "escalate"), "accept")
    case = act(world.town, case, "dispatch", department=world.sifa_code)
    case = act(world.sifa, case, "accept")
    mediation_record(actor=world.sifa, case=case, **mediation())
    agreement_record(actor=world.sifa, case=case, agreed_on=today(), content="协议")
    case = act(world.sifa, case, "feedback")
    case = act(world.grid_worker, case, "verify_pass")
    case = act(world.town, case, "close")
    assert case.state == "closed"
    sign_in(client, world.town)
    assert shown_forms(page(client, case)) == ["agreement_confirm"]
    assert post(client, case, "agreement_confirm").status_code == 200
    assert MediationAgreement.objects.get(case=case).confirmed is True
    assert Case.objects.get(pk=case.pk).state == "closed"


# --- the 司法确认 window warning -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("days_ago", "kind", "text"),
    [
        (22, None, None),  # 8 days left
        (23, "warning", "距司法确认申请截止还有 7 天"),
        (29, "warning", "距司法确认申请截止还有 1 天"),
        (30, "warning", "是司法确认申请截止日"),
        (31, "error", "已过 1 天"),
    ],
)
def test_confirmation_warning_boundaries(days_ago, kind, text):
    agreed_on = dt.date(2026, 3, 1)
    now = agreed_on + dt.timedelta(days=days_ago)
    agreement = {
        "judicial_confirmation_deadline": (agreed_on + dt.timedelta(days=30)).isoformat(),
        "confirmed": False,
    }
    warning = confirmation_warning(agreement, now)
    if kind is None:
        assert warning is None
    else:
        assert warning["kind"] == kind and text in warning["text"]
    assert confirmation_warning({**agreement, "confirmed": True}, now) is None
    assert confirmation_warning(None, now) is None


def test_page_warns_when_the_window_is_closing_or_over(client, world, dispute):
    case = agreed(world, mediated(world, dispute), days_ago=25)
    deadline = (today() + dt.timedelta(days=5)).isoformat()
    sign_in(client, world.village)
    html = page(client, case)
    assert (
        f'<p class="message warning" id="confirmation-warning" role="alert">'
        f"距司法确认申请截止还有 5 天（{deadline}），尚未登记司法确认。</p>"
    ) in html
    MediationAgreement.objects.filter(case=case).update(
        agreed_on=today() - dt.timedelta(days=32),
        judicial_confirmation_deadline=today() - dt.timedelta(days=2),
    )
    html = page(client, case)
    passed = (today() - dt.timedelta(days=2)).isoformat()
    assert (
        f'<p class="message error" id="confirmation-warning" role="alert">'
        f"司法确认申请期限已于 {passed} 届满（已过 2 天），尚未登记司法确认。</p>"
    ) in html
    MediationAgreement.objects.filter(case=case).update(confirmed=True)
    assert 'id="confirmation-warning"' not in page(client, case)


# --- denied paths ----------------------------------------------------------------------------
def test_leader_reads_the_card_but_cannot_record(client, world, dispute):
    case = mediated(world, dispute)
    sign_in(client, world.leader)
    html = page(client, case)
    assert "纠纷信息" in html and "示范村人民调解委员会" in html
    assert shown_forms(html) == [] and "/dispute/" not in html
    before = snapshot(case)
    for step, data in (
        ("mediation", mediation()),
        ("agreement", {"agreed_on": today().isoformat(), "content": "协议"}),
        ("agreement_confirm", {}),
    ):
        assert post(client, case, step, **data).status_code == 403, step
    assert snapshot(case) == before
    denied = AuditRecord.objects.filter(outcome="denied", actor=world.leader.user)
    assert denied.count() == 3


def test_out_of_scope_case_is_404_and_nothing_changes(client, world, dispute):
    case = mediated(world, dispute)
    sign_in(client, world.town2)
    assert client.get(f"/command/cases/{case.number}/").status_code == 404
    before = snapshot(case)
    for step, data in (
        ("mediation", mediation()),
        ("agreement", {"agreed_on": today().isoformat(), "content": "协议"}),
        ("agreement_confirm", {}),
    ):
        assert post(client, case, step, **data).status_code == 404, step
    assert snapshot(case) == before
    assert client.get("/command/cases/JF000/").status_code == 404


def test_get_is_not_allowed(client, world, dispute):
    sign_in(client, world.village)
    response = client.get(f"/command/cases/{dispute.number}/dispute/mediations/")
    assert response.status_code == 405


# --- without JavaScript, CSRF, and the side panel -------------------------------------------
def test_without_javascript_posts_redirect_and_errors_render_the_page(client, world, dispute):
    sign_in(client, world.village)
    response = post(client, dispute, "mediation", htmx=False, **mediation())
    assert response.status_code == 302
    assert response["Location"] == f"/command/cases/{dispute.number}/"
    assert MediationAttempt.objects.filter(case=dispute).count() == 1
    response = post(client, dispute, "mediation", htmx=False, **mediation(mediator=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" in html and "请填写调解员。" in html and "hx-swap-oob" not in html
    assert MediationAttempt.objects.filter(case=dispute).count() == 1


def test_csrf_is_enforced(world, dispute):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.village)
    before = snapshot(dispute)
    assert post(client, dispute, "mediation", **mediation()).status_code == 403
    assert snapshot(dispute) == before
    html = page(client, dispute)
    form = html[html.index('data-dispute-form="mediation"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = post(client, dispute, "mediation", csrfmiddlewaretoken=token, **mediation())
    assert response.status_code == 200
    assert MediationAttempt.objects.filter(case=dispute).count() == 1


def test_case_action_refreshes_the_dispute_card(client, world):
    case = register(world)
    sign_in(client, world.village)
    response = client.post(
        f"/command/cases/{case.number}/act/",
        {"action": "accept", "version": case.version, "note": "受理"},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<section class="card" id="case-dispute" hx-swap-oob="true">' in html
    assert shown_forms(html) == ["mediation"]

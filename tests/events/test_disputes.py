"""Disputes: categories, registration, the loop with mediation and agreement, reminders."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.core.crypto import blind_index
from pingan.events.disputes import scan_agreement_reminders
from pingan.events.models import (
    AgreementReminder,
    DisputeDetail,
    DisputeParty,
    MediationAgreement,
    MediationAttempt,
)
from pingan.flow.models import Case, CaseAction
from tests.flow.factories import G1, IN_G1, TOWN, VILLAGE, api_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/disputes/"
ID_NUMBER = "11010519491231002X"


def body(**extra):
    data = {
        "category": "17",
        "scale": "ordinary",
        "summary": "两户因宅基地边界发生争执",
        "lng": IN_G1[0],
        "lat": IN_G1[1],
        "people_involved": 5,
        "amount_involved": "12000.50",
        "occurred_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "parties": [
            {"name": "张三", "role": "applicant", "phone": "13812345678", "id_number": ID_NUMBER},
            {"name": "李四", "role": "respondent"},
        ],
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def register(actor, **extra) -> Case:
    response = api_client(actor).post(URL, body(**extra), format="json")
    assert response.status_code == 201, response.json()
    return Case.objects.get(number=response.json()["number"])


def act(actor, number, action, expect=200, **params):
    response = api_client(actor).post(
        f"/api/v1/cases/{number}/actions/", {"action": action, "note": "意见", **params}, "json"
    )
    assert response.status_code == expect, response.json()
    return response.json()


def mediation(**extra):
    data = {
        "mediated_on": timezone.localdate().isoformat(),
        "method": "people",
        "organisation": "示范村人民调解委员会",
        "mediator": "王调解",
        "result": "success",
        "notes": "双方同意以现有界桩为准",
    }
    data.update(extra)
    return data


def test_categories_are_the_19_national_items(world):
    response = api_client(world.grid_worker).get("/api/v1/disputes/categories/")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 19
    assert rows[0] == {"code": "01", "name": "民族宗教矛盾纠纷"}
    assert rows[16] == {"code": "17", "name": "婚姻家庭邻里等各类民间纠纷"}
    assert rows[18] == {"code": "19", "name": "其他"}


def test_register_at_a_point_goes_to_the_village_with_encrypted_parties(world):
    case = register(world.grid_worker)
    assert case.number.startswith("JF990101")
    assert (case.case_type, case.state, case.holder_code, case.region_code) == (
        "dispute",
        "pending_accept",
        VILLAGE,
        G1,
    )
    assert (case.urgency, case.category_code, case.due_at is not None) == ("low", "17", True)
    detail = DisputeDetail.objects.get(case=case)
    assert (detail.parties_count, detail.people_involved, str(detail.amount_involved)) == (
        2,
        5,
        "12000.50",
    )
    first = DisputeParty.objects.get(case=case, role="applicant")
    assert (first.phone, first.id_number) == ("13812345678", ID_NUMBER)
    assert first.id_hash == blind_index(ID_NUMBER, "id_number")
    with connection.cursor() as cursor:
        cursor.execute("select phone, id_number from events_disputeparty where id = %s", [first.pk])
        raw_phone, raw_id = cursor.fetchone()
    assert "13812345678" not in raw_phone and ID_NUMBER not in raw_id
    audit = AuditRecord.objects.filter(action="case.report", object_id=case.number).get()
    assert audit.detail["case_type"] == "dispute" and audit.detail["parties"] == 2

    data = api_client(world.town).get(f"/api/v1/cases/{case.number}/").json()
    parties = data["detail"]["parties"]
    assert parties[0]["phone"] == "138****5678"
    assert parties[0]["id_number"] == "110105********002X"
    assert (parties[1]["role_label"], data["detail"]["scale_label"]) == ("被申请人", "一般")


def test_register_by_unit_without_a_point_and_scale_sets_urgency(world):
    case = register(world.town, lng=None, lat=None, unit=TOWN, scale="major")
    assert (case.holder_code, case.region_code, case.urgency) == (TOWN, TOWN, "high")
    assert DisputeDetail.objects.get(case=case).grid_code == ""


def test_bad_input_lists_chinese_field_errors_and_saves_nothing(world):
    response = api_client(world.grid_worker).post(
        URL,
        {
            "category": "99",
            "summary": "",
            "people_involved": 0,
            "amount_involved": "-1",
            "parties_count": 1,
            "parties": [
                {"name": "", "role": "applicant", "phone": "abc"},
                {"name": "李四", "role": "respondent", "id_number": "110105194912310021"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "category": ["请选择有效的矛盾纠纷类别。"],
        "summary": ["请填写矛盾纠纷简述。"],
        "unit": ["请提供纠纷发生位置（经纬度）或选择接收单位。"],
        "parties": [
            "第 1 位当事人：请填写姓名。",
            "第 1 位当事人：联系电话格式不正确。",
            "第 2 位当事人：校验码错误：按前17位计算最后一位应为“X”，请核对号码是否录入有误。",
        ],
        "parties_count": ["当事人数量不能少于已填写的当事人人数。"],
        "people_involved": ["应为 1 到 1000000 之间的整数。"],
        "amount_involved": ["涉及金额应为不小于 0 的数字（元）。"],
    }
    no_parties = api_client(world.grid_worker).post(URL, body(parties=[]), format="json")
    assert no_parties.json() == {"parties": ["请至少填写一位当事人。"]}
    assert Case.objects.count() == 0 and DisputeParty.objects.count() == 0


def test_leader_and_department_cannot_register(world):
    assert api_client(world.leader).post(URL, body(), format="json").status_code == 403
    assert api_client(world.police).post(URL, body(), format="json").status_code == 403
    assert Case.objects.count() == 0


def test_full_loop_with_mediation_agreement_and_confirmation(world):
    case = register(world.grid_worker)
    number = case.number
    base = f"/api/v1/cases/{number}"
    village = api_client(world.village)
    # Not accepted yet: mediation is refused with the actions allowed now.
    early = village.post(f"{base}/mediations/", mediation(), format="json")
    assert early.status_code == 409
    assert "accept" in early.json()["allowed_actions"]
    act(world.village, number, "escalate")
    act(world.town, number, "accept")
    act(world.town, number, "dispatch", department=world.sifa_code)
    act(world.sifa, number, "accept")
    sifa = api_client(world.sifa)
    failed = sifa.post(f"{base}/mediations/", mediation(result="failure"), format="json")
    assert failed.status_code == 201
    assert failed.json()["result_label"] == "失败"
    too_early = sifa.post(
        f"{base}/agreement/",
        {"agreed_on": timezone.localdate().isoformat(), "content": "协议"},
        format="json",
    )
    assert too_early.status_code == 400
    assert too_early.json() == {"agreed_on": ["请先登记一次调解成功或部分成功的调解记录。"]}
    ok = sifa.post(f"{base}/mediations/", mediation(method="administrative"), format="json")
    assert ok.status_code == 201
    agreed_on = timezone.localdate() - dt.timedelta(days=1)
    agreement = sifa.post(
        f"{base}/agreement/",
        {"agreed_on": agreed_on.isoformat(), "content": "以界桩为界，李四补偿 2000 元"},
        format="json",
    )
    assert agreement.status_code == 201
    assert agreement.json() == {
        "agreed_on": agreed_on.isoformat(),
        "content": "以界桩为界，李四补偿 2000 元",
        "judicial_confirmation_deadline": (agreed_on + dt.timedelta(days=30)).isoformat(),
        "confirmed": False,
    }
    twice = sifa.post(
        f"{base}/agreement/", {"agreed_on": agreed_on.isoformat(), "content": "x"}, format="json"
    )
    assert twice.json() == {"agreed_on": ["该纠纷已登记调解协议。"]}
    act(world.sifa, number, "feedback")
    act(world.grid_worker, number, "verify_pass")
    act(world.town, number, "close")
    confirm = api_client(world.town).patch(f"{base}/agreement/", {"confirmed": True}, "json")
    assert confirm.status_code == 200 and confirm.json()["confirmed"] is True
    actions = list(
        CaseAction.objects.filter(case__number=number)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "report",
        "escalate",
        "accept",
        "dispatch",
        "accept",
        "mediation",
        "mediation",
        "agreement",
        "feedback",
        "verify_pass",
        "close",
        "agreement_confirm",
    ]
    detail = api_client(world.town).get(f"{base}/").json()
    assert detail["state"] == "closed"
    assert [m["method_label"] for m in detail["detail"]["mediations"]] == ["人民调解", "行政调解"]
    assert detail["detail"]["agreement"]["confirmed"] is True
    audited = set(AuditRecord.objects.filter(object_id=number).values_list("action", flat=True))
    assert {
        "dispute.mediation_record",
        "dispute.agreement_record",
        "dispute.agreement_confirm",
    } <= audited
    listed = api_client(world.sifa).get(f"{base}/mediations/").json()
    assert [m["result"] for m in listed] == ["failure", "success"]


def test_mediation_bad_input_scope_and_stale_screens(world):
    case = register(world.grid_worker)
    act(world.village, case.number, "accept")
    base = f"/api/v1/cases/{case.number}"
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    bad = api_client(world.village).post(
        f"{base}/mediations/",
        mediation(mediated_on=tomorrow, organisation="", mediator=""),
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "mediated_on": ["日期不能晚于今天。"],
        "organisation": ["请填写调解组织。"],
        "mediator": ["请填写调解员。"],
    }
    assert MediationAttempt.objects.count() == 0
    # Another town cannot see it; the town above sees it but does not hold it.
    assert (
        api_client(world.town2).post(f"{base}/mediations/", mediation(), format="json")
    ).status_code == 404
    assert api_client(world.town2).get(f"{base}/mediations/").status_code == 404
    assert (
        api_client(world.town).post(f"{base}/mediations/", mediation(), format="json")
    ).status_code == 409
    # A screen loaded before the mediation is stale afterwards.
    version = Case.objects.get(pk=case.pk).version
    assert (
        api_client(world.village).post(f"{base}/mediations/", mediation(), format="json")
    ).status_code == 201
    stale = api_client(world.village).post(
        f"{base}/actions/",
        {"action": "handle_locally", "note": "调解成功", "version": version},
        "json",
    )
    assert stale.status_code == 409
    assert stale.json()["detail"] == "该案件已被他人处理，请刷新后重试。"
    assert MediationAttempt.objects.count() == 1


def test_event_cases_refuse_mediation(world):
    from tests.flow.factories import report

    event = report(world.grid_worker)
    response = api_client(world.village).post(
        f"/api/v1/cases/{event.number}/mediations/", mediation(), format="json"
    )
    assert response.status_code == 409


def test_disputes_show_in_the_unified_inbox(world):
    case = register(world.grid_worker)
    rows = api_client(world.village).get("/api/v1/cases/?inbox=todo").json()["results"]
    assert [r["number"] for r in rows] == [case.number]
    assert api_client(world.town2).get("/api/v1/cases/?inbox=all").json()["results"] == []


def test_reminder_seven_days_before_the_window_ends_once(world):
    case = register(world.grid_worker)
    act(world.village, case.number, "accept")
    base = f"/api/v1/cases/{case.number}"
    api_client(world.village).post(f"{base}/mediations/", mediation(), format="json")
    agreed_on = timezone.localdate() - dt.timedelta(days=5)
    api_client(world.village).post(
        f"{base}/agreement/", {"agreed_on": agreed_on.isoformat(), "content": "协议"}, "json"
    )
    deadline = agreed_on + dt.timedelta(days=30)
    noon = dt.time(12, tzinfo=timezone.get_current_timezone())
    day_before = dt.datetime.combine(deadline - dt.timedelta(days=8), noon)
    assert scan_agreement_reminders(now=day_before) == []
    on_day = dt.datetime.combine(deadline - dt.timedelta(days=7), noon)
    assert scan_agreement_reminders(now=on_day) == [case.number]
    assert scan_agreement_reminders(now=on_day + dt.timedelta(hours=1)) == []
    reminder = AgreementReminder.objects.get()
    assert (reminder.deadline, reminder.holder_code) == (deadline, VILLAGE)
    assert AuditRecord.objects.filter(action="dispute.confirmation_reminder").count() == 1
    # Confirmed agreements and windows already over are not reminded.
    AgreementReminder.objects.all().delete()
    MediationAgreement.objects.update(confirmed=True)
    assert scan_agreement_reminders(now=on_day) == []
    MediationAgreement.objects.update(confirmed=False)
    after = dt.datetime.combine(deadline + dt.timedelta(days=1), noon)
    assert scan_agreement_reminders(now=after) == []


def test_periodic_task_runs_the_scan(world):
    from pingan.events.tasks import agreement_reminders

    assert agreement_reminders.call_local() == {"reminded": 0}
    case = register(world.grid_worker)
    act(world.village, case.number, "accept")
    base = f"/api/v1/cases/{case.number}"
    api_client(world.village).post(f"{base}/mediations/", mediation(), format="json")
    agreed_on = timezone.localdate() - dt.timedelta(days=25)
    api_client(world.village).post(
        f"{base}/agreement/", {"agreed_on": agreed_on.isoformat(), "content": "协议"}, "json"
    )
    assert agreement_reminders.call_local() == {"reminded": 1}
    assert agreement_reminders.call_local() == {"reminded": 0}


def test_system_admin_edits_dispute_categories_audited(client):
    from pingan.accounts.roles import Role
    from pingan.events.models import DisputeCategory
    from tests.accounts.factories import sign_in
    from tests.factories import make_actor

    sign_in(client, make_actor(Role.SYSTEM_ADMIN, "990101"))
    response = client.post(
        "/admin/events/disputecategory/19/change/", {"name": "其他纠纷", "sort": "19"}
    )
    assert response.status_code == 302
    category = DisputeCategory.objects.get(code="19")
    assert (category.name, category.active) == ("其他纠纷", False)
    assert AuditRecord.objects.filter(
        action="events.dispute_category_change", object_id="19"
    ).exists()
    assert client.get("/admin/events/disputecategory/19/delete/").status_code == 403


def test_confirm_agreement_bad_bodies_are_field_errors_and_change_nothing(world):
    # Found by the schemathesis run: a JSON list body made the view call list.get() → 500.
    number = register(world.grid_worker).number
    client = api_client(world.county)
    url = f"/api/v1/cases/{number}/agreement/"
    answers = [
        (r.status_code, r.json())
        for r in (
            client.patch(url, [], "json"),
            client.patch(url, {}, "json"),
            client.patch(url, {"confirmed": False}, "json"),
        )
    ]
    assert answers == [
        (400, {"non_field_errors": ["无效数据。期待为字典类型，得到的是 list 。"]}),
        (400, {"confirmed": ["该字段是必填项。"]}),
        (400, {"confirmed": ["只能将 confirmed 设为 true。"]}),
    ]
    assert not MediationAgreement.objects.filter(case__number=number).exists()

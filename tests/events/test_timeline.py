"""The case timeline shows every kind of entry with its Chinese label, a summary and Chinese
state labels, the same on the command-centre page and in the cases API."""

import html
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pingan import events
from pingan.events.attachments import attachments_add
from pingan.events.disputes import (
    agreement_confirm,
    agreement_record,
    dispute_report,
    mediation_record,
    scan_agreement_reminders,
)
from pingan.events.duplicates import case_merge
from pingan.flow.models import Case
from pingan.flow.services import case_act
from pingan.flow.timeline import history_labels
from pingan.flow.types import get_case_type
from tests.accounts.factories import sign_in
from tests.flow.factories import IN_G1, api_client, at, frozen, report

pytestmark = pytest.mark.django_db

VILLAGE, TOWN, COUNTY, G1 = "区划990101001001", "区划990101001", "区划990101", "区划990101001001001"
SIFA, POLICE = "区划990101001司法", "区划990101001公安"
PDF = b"%PDF-1.7\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def step(actor, case, action, when, note="意见", **params) -> Case:
    fresh = Case.objects.get(pk=case.pk)
    return case_act(actor=actor, case=fresh, action=action, note=note, now=when, **params)


def api_rows(actor, case) -> list[tuple]:
    body = api_client(actor).get(f"/api/v1/cases/{case.number}/").json()
    return [
        (
            e["seq"],
            e["kind"],
            e["action"],
            e["label"],
            e["summary"],
            e["from_state_label"],
            e["to_state_label"],
        )
        for e in body["timeline"]
    ]


ENTRY = re.compile(
    r'<li data-action="(?P<action>\w+)" data-kind="(?P<kind>\w+)"[^>]*>.*?'
    r'<strong class="timeline-label">(?P<label>.*?)</strong>.*?'
    r'(?:<div class="timeline-summary">(?P<summary>.*?)</div>)?\s*<div class="muted">',
    re.S,
)


def page_rows(client, actor, case) -> list[tuple]:
    client.logout()
    sign_in(client, actor)
    text = client.get(f"/command/cases/{case.number}/").content.decode()
    return [
        (m["kind"], m["action"], html.unescape(m["label"]), html.unescape(m["summary"] or ""))
        for m in ENTRY.finditer(text)
    ]


def dispute_with_mediation(world) -> Case:
    """Registered, escalated, dispatched to 司法所, mediated twice, agreed, closed, reminded,
    confirmed; a document uploaded on the way."""
    with frozen(at(2026, 3, 2, 9, 0)):
        case = dispute_report(
            actor=world.grid_worker,
            category="17",
            summary="两户因宅基地边界发生争执",
            lng=IN_G1[0],
            lat=IN_G1[1],
            people_involved=3,
            parties=[{"name": "张三", "role": "applicant"}, {"name": "李四", "role": "respondent"}],
        )
    case = step(world.village, case, "escalate", at(2026, 3, 2, 10, 0))
    case = step(world.town, case, "accept", at(2026, 3, 2, 11, 0))
    case = step(
        world.town,
        case,
        "dispatch",
        at(2026, 3, 2, 12, 0),
        department=world.sifa_code,
        assist=[world.police_code],
    )
    case = step(world.sifa, case, "accept", at(2026, 3, 2, 14, 0))
    mediation_record(
        actor=world.sifa,
        case=case,
        now=at(2026, 3, 3, 10, 0),
        mediated_on="2026-03-02",
        method="people",
        organisation="示范村人民调解委员会",
        mediator="王调解",
        result="failure",
    )
    mediation_record(
        actor=world.sifa,
        case=case,
        now=at(2026, 3, 4, 10, 0),
        mediated_on="2026-03-04",
        method="administrative",
        organisation="示范镇司法所",
        mediator="李调解",
        result="success",
    )
    agreement_record(
        actor=world.sifa,
        case=case,
        now=at(2026, 3, 4, 11, 0),
        agreed_on="2026-03-04",
        content="以界桩为界",
    )
    with frozen(at(2026, 3, 4, 11, 30)):
        attachments_add(
            actor=world.sifa,
            case=Case.objects.get(pk=case.pk),
            files=[SimpleUploadedFile("协议书.pdf", PDF, content_type="application/pdf")],
        )
    case = step(world.police, case, "feedback", at(2026, 3, 4, 14, 0), note="已协助调解")
    case = step(world.sifa, case, "feedback", at(2026, 3, 4, 15, 0), note="调解成功")
    case = step(world.grid_worker, case, "verify_pass", at(2026, 3, 5, 9, 0))
    case = step(world.town, case, "close", at(2026, 3, 5, 10, 0))
    assert scan_agreement_reminders(now=at(2026, 3, 27, 0, 7)) == [case.number]
    agreement_confirm(actor=world.town, case=case, now=at(2026, 3, 30, 9, 0))
    return case


DISPUTE_ROWS = [
    (1, "action", "report", "上报", f"上报至{VILLAGE}", "", "待受理"),
    (2, "action", "escalate", "上报上级", f"上报至{TOWN}", "待受理", "待受理"),
    (3, "action", "accept", "受理", "", "待受理", "办理中"),
    (4, "action", "dispatch", "派遣部门", f"派遣至{SIFA}，协办：{POLICE}", "办理中", "待受理"),
    (5, "action", "accept", "受理", "", "待受理", "办理中"),
    (
        6,
        "step",
        "mediation",
        "调解",
        "调解（人民调解，示范村人民调解委员会，调解员 王调解）：调解未成功（调解日期 2026-03-02）",
        "办理中",
        "办理中",
    ),
    (
        7,
        "step",
        "mediation",
        "调解",
        "调解（行政调解，示范镇司法所，调解员 李调解）：调解成功",
        "办理中",
        "办理中",
    ),
    (
        8,
        "step",
        "agreement",
        "调解协议",
        "达成调解协议，司法确认申请截止 2026-04-03",
        "办理中",
        "办理中",
    ),
    (None, "record", "attachment", "上传附件", "上传 1 个附件：协议书.pdf", "", ""),
    (9, "action", "feedback", "办结反馈", f"{POLICE}协办反馈", "办理中", "办理中"),
    (10, "action", "feedback", "办结反馈", f"办结反馈，交{G1}核查", "办理中", "待核查"),
    (11, "action", "verify_pass", "核查通过", f"核查通过，交{TOWN}结案", "待核查", "待结案"),
    (12, "action", "close", "结案", "", "待结案", "已结案"),
    (
        None,
        "record",
        "agreement_reminder",
        "司法确认提醒",
        "调解协议的司法确认申请期限 2026-04-03 届满，已提醒承办单位",
        "",
        "",
    ),
    (13, "step", "agreement_confirm", "司法确认", "调解协议已经司法确认", "已结案", "已结案"),
]


def test_dispute_timeline_in_the_api(world):
    case = dispute_with_mediation(world)
    assert api_rows(world.town, case) == DISPUTE_ROWS
    body = api_client(world.town).get(f"/api/v1/cases/{case.number}/").json()
    reminder = body["timeline"][13]
    assert (reminder["actor"], reminder["unit"]["name"], reminder["created_at"]) == (
        "系统",
        TOWN,
        "2026-03-26T16:07:00Z",
    )
    upload = body["timeline"][8]
    assert (upload["actor"], upload["unit"]) == (world.sifa.user.full_name, None)
    assert body["timeline"][5]["actor"] == world.sifa.user.full_name


def test_dispute_timeline_on_the_page(client, world):
    case = dispute_with_mediation(world)
    expected = [
        (kind, action, label, summary) for _, kind, action, label, summary, *_ in DISPUTE_ROWS
    ]
    assert page_rows(client, world.town, case) == expected
    text = client.get(f"/command/cases/{case.number}/").content.decode()
    assert '<span class="count">15</span>' in text
    assert "办理中 → 待核查" in text and "agreement_reminder</strong>" not in text


def merged_events(world) -> tuple[Case, Case]:
    with frozen(at(2026, 3, 2, 9, 0)):
        parent = report(world.grid_worker)
    with frozen(at(2026, 3, 2, 9, 10)):
        child = report(world.grid_worker)
    with frozen(at(2026, 3, 2, 9, 20)):
        case_merge(actor=world.village, case=child, into=parent, note="同一处排水沟")
    return parent, child


def test_merge_rows_name_the_other_case(client, world):
    parent, child = merged_events(world)
    assert api_rows(world.village, child) == [
        (1, "action", "report", "上报", f"上报至{VILLAGE}", "", "待受理"),
        (
            2,
            "step",
            "merge",
            "合并重复事件",
            f"合并到 {parent.number}，本件办结",
            "待受理",
            "已结案",
        ),
    ]
    assert api_rows(world.village, parent) == [
        (1, "action", "report", "上报", f"上报至{VILLAGE}", "", "待受理"),
        (
            2,
            "step",
            "merge_in",
            "并入重复事件",
            f"重复事件 {child.number} 合并到本件",
            "待受理",
            "待受理",
        ),
    ]
    assert page_rows(client, world.village, child)[1] == (
        "step",
        "merge",
        "合并重复事件",
        f"合并到 {parent.number}，本件办结",
    )
    assert page_rows(client, world.village, parent)[1] == (
        "step",
        "merge_in",
        "并入重复事件",
        f"重复事件 {child.number} 合并到本件",
    )


def test_engine_actions_have_summaries(client, world, settings):
    settings.PINGAN_REOPEN_ON_UNSATISFIED = True
    with frozen(at(2026, 3, 2, 9, 0)):
        case = report(world.grid_worker)
    case = step(world.village, case, "accept", at(2026, 3, 2, 10, 0))
    case = step(world.village, case, "escalate", at(2026, 3, 2, 11, 0))
    case = step(world.town, case, "accept", at(2026, 3, 2, 12, 0))
    case = step(world.county, case, "supervise", at(2026, 3, 2, 13, 0), level="yellow")
    case = step(world.county, case, "mark_urgent", at(2026, 3, 2, 13, 30))
    due = at(2026, 3, 20, 18, 0)
    case = step(world.town, case, "request_extension", at(2026, 3, 2, 14, 0), due_at=due)
    before = Case.objects.get(pk=case.pk).due_at
    case = step(world.county, case, "approve_extension", at(2026, 3, 2, 15, 0))
    case = step(world.town, case, "dispatch", at(2026, 3, 2, 16, 0), department=world.police_code)
    case = step(world.police, case, "accept", at(2026, 3, 2, 17, 0))
    case = step(world.police, case, "feedback", at(2026, 3, 3, 9, 0))
    case = step(world.grid_worker, case, "verify_fail", at(2026, 3, 3, 10, 0))
    case = step(world.police, case, "feedback", at(2026, 3, 3, 15, 0))
    case = step(world.grid_worker, case, "verify_pass", at(2026, 3, 3, 16, 0))
    case = step(world.town, case, "close", at(2026, 3, 3, 17, 0))
    case = step(world.town, case, "callback", at(2026, 3, 4, 9, 0), satisfaction="unsatisfied")
    old_due = before.astimezone(at(2026, 1, 1).tzinfo).strftime("%Y-%m-%d %H:%M")
    expected = [
        (1, "action", "report", "上报", f"上报至{VILLAGE}", "", "待受理"),
        (2, "action", "accept", "受理", "", "待受理", "办理中"),
        (3, "action", "escalate", "上报上级", f"上报至{TOWN}", "办理中", "待受理"),
        (4, "action", "accept", "受理", "", "待受理", "办理中"),
        (
            5,
            "action",
            "supervise",
            "督办",
            "黄牌督办，扣 5 分，2026-03-03 13:00 前回复",
            "办理中",
            "办理中",
        ),
        (6, "action", "mark_urgent", "加急", "设为加急", "办理中", "办理中"),
        (
            7,
            "action",
            "request_extension",
            "申请延期",
            f"申请延期至 2026-03-20 18:00，由{COUNTY}审批",
            "办理中",
            "办理中",
        ),
        (
            8,
            "action",
            "approve_extension",
            "批准延期",
            f"期限由 {old_due} 延至 2026-03-20 18:00",
            "办理中",
            "办理中",
        ),
        (9, "action", "dispatch", "派遣部门", f"派遣至{POLICE}", "办理中", "待受理"),
        (10, "action", "accept", "受理", "", "待受理", "办理中"),
        (11, "action", "feedback", "办结反馈", f"办结反馈，交{G1}核查", "办理中", "待核查"),
        (
            12,
            "action",
            "verify_fail",
            "核查不通过",
            f"核查不通过，第 1 次返工，退回{POLICE}",
            "待核查",
            "办理中",
        ),
        (13, "action", "feedback", "办结反馈", f"办结反馈，交{G1}核查", "办理中", "待核查"),
        (14, "action", "verify_pass", "核查通过", f"核查通过，交{TOWN}结案", "待核查", "待结案"),
        (15, "action", "close", "结案", "", "待结案", "已结案"),
        (16, "action", "callback", "回访", "满意度：不满意，重新办理", "已结案", "办理中"),
    ]
    assert api_rows(world.town, case) == expected
    assert page_rows(client, world.town, case) == [row[1:5] for row in expected]


def test_every_history_code_written_by_the_code_has_a_label():
    """Codes outside the action vocabulary that the events services write are registered."""
    source = "".join(p.read_text() for p in Path(events.__file__).parent.glob("*.py"))
    written = set(re.findall(r'_(?:append_step|history)\(\s*actor,\s*\w+,\s*"(\w+)"', source))
    assert written == {"mediation", "agreement", "agreement_confirm", "merge", "merge_in"}
    for type_code in ("event", "dispute"):
        labels = history_labels(get_case_type(type_code))
        for code in written | {"report"} | set(get_case_type(type_code).actions):
            assert labels[code] and labels[code] != code

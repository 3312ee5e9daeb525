"""Typed cards: attribute validation, encryption of sensitive kinds, open / update / close."""

from datetime import date
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.registry.attributes import clean_attributes, display_attributes, mask_value
from pingan.registry.codes import code_labels
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.models import Card, CardStatus
from pingan.registry.services import ConflictError, card_close, card_open, card_update
from tests.factories import make_actor
from tests.registry.factories import COUNTY, GRID_A1A, TOWN_B, make_id, make_person

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


def valid(kind):
    spec = SPECS[kind]
    return code_labels({f.code_table for f in spec.fields if f.code_table}, active_only=True)


def test_clean_attributes_types_codes_and_labels():
    spec = SPECS[CardKind.COMMUNITY_CORRECTION]
    values, errors = clean_attributes(
        spec,
        {
            "correction_type": "缓刑",  # label accepted, stored as code
            "correction_start": "2026-01-01",
            "correction_end": "2027-12-31",
            "four_histories": "吸毒史|01|自杀史",
            "recidivist": "否",
            "crime": "  盗窃罪 ",
            "sentence": "",
        },
        valid(CardKind.COMMUNITY_CORRECTION),
    )
    assert errors == {}
    assert values == {
        "correction_type": "02",
        "correction_start": "2026-01-01",
        "correction_end": "2027-12-31",
        "four_histories": ["01", "03"],
        "recidivist": False,
        "crime": "盗窃罪",
    }
    rows = display_attributes(spec, values, code_labels(["correction_type", "four_histories"]))
    assert [(r["name"], r["display"]) for r in rows] == [
        ("correction_type", "缓刑"),
        ("crime", "盗窃罪"),
        ("correction_start", "2026-01-01"),
        ("correction_end", "2027-12-31"),
        ("four_histories", "吸毒史、自杀史"),
        ("recidivist", "否"),
    ]


def test_clean_attributes_reports_every_problem():
    spec = SPECS[CardKind.COMMUNITY_CORRECTION]
    _values, errors = clean_attributes(
        spec,
        {
            "correction_type": "死刑",
            "correction_start": "2026-13-01",
            "correction_end": "2025-01-01",
            "recidivist": "也许",
            "shoe_size": 42,
        },
        valid(CardKind.COMMUNITY_CORRECTION),
    )
    assert errors == {
        "shoe_size": ["“社区矫正对象”没有这一项。"],
        "correction_type": ["矫正类别：“死刑”不是代码表“矫正类别”中的有效值。"],
        "correction_start": ["矫正开始日期：日期格式应为 YYYY-MM-DD。"],
        "recidivist": ["是否累惯犯：请填写“是”或“否”。"],
    }
    _values, errors = clean_attributes(
        spec,
        {"correction_type": "01", "correction_start": "2026-02-01", "correction_end": "2026-01-01"},
        valid(CardKind.COMMUNITY_CORRECTION),
    )
    assert errors == {"correction_end": ["矫正结束日期不能早于矫正开始日期。"]}
    _values, errors = clean_attributes(spec, {}, {})
    assert errors == {
        "correction_type": ["请填写矫正类别。"],
        "correction_start": ["请填写矫正开始日期。"],
        "correction_end": ["请填写矫正结束日期。"],
    }


def test_masked_attributes_are_validated_and_masked():
    spec = SPECS[CardKind.MENTAL_DISORDER]
    guardian = make_id(birth="19600101", seq=11)
    values, errors = clean_attributes(
        spec,
        {
            "diagnosis": "01",
            "guardian_id_number": guardian.lower(),
            "guardian_phone": "138 0013 8000",
        },
        valid(CardKind.MENTAL_DISORDER),
    )
    assert errors == {}
    assert values["guardian_phone"] == "13800138000"
    assert mask_value(spec.field("guardian_phone"), values["guardian_phone"]) == "138****8000"
    assert (
        mask_value(spec.field("guardian_id_number"), guardian)
        == guardian[:6] + "*" * 8 + guardian[-4:]
    )
    doc = SPECS[CardKind.OVERSEAS].field("document_number")
    assert mask_value(doc, "E12345678") == "*****5678"
    _v, errors = clean_attributes(
        spec, {"diagnosis": "01", "guardian_phone": "555"}, valid(CardKind.MENTAL_DISORDER)
    )
    assert list(errors) == ["guardian_phone"]


def test_inactive_code_values_are_refused_for_new_data():
    from pingan.registry.models import CodeValue

    CodeValue.objects.filter(table_id="mental_diagnosis", code="06").update(active=False)
    _v, errors = clean_attributes(
        SPECS[CardKind.MENTAL_DISORDER], {"diagnosis": "06"}, valid(CardKind.MENTAL_DISORDER)
    )
    assert list(errors) == ["diagnosis"]


@pytest.fixture
def setup(db):
    from tests.registry.factories import build_tree

    build_tree()
    worker = make_actor(Role.GRID_WORKER, GRID_A1A)
    person = make_person(GRID_A1A, "张三丰", id_number=make_id(birth="20100101", seq=11))
    return worker, person


def test_open_sensitive_card_encrypts_attributes_and_schedules_visit(setup):
    worker, person = setup
    card = card_open(
        actor=worker,
        person=person,
        kind=CardKind.MENTAL_DISORDER,
        attributes={"diagnosis": "精神分裂症", "hospital_name": "县人民医院"},
        risk_level=4,
        attention="严重",
        opened_on="2026-11-01",
    )
    card.refresh_from_db()
    assert card.attributes == {}
    assert card.attribute_values() == {"diagnosis": "01", "hospital_name": "县人民医院"}
    assert card.diagnosis == "01"  # by name, as reveal_field reads it
    assert card.guardian_name is None
    assert (card.risk_level, card.attention, card.region_code) == (4, "03", GRID_A1A)
    assert card.next_visit_on == date(2026, 11, 15)  # risk 3–5: within 2 weeks
    with connection.cursor() as cursor:
        cursor.execute("SELECT attributes_secret FROM registry_card WHERE id = %s", [card.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("v1:") and "县人民医院" not in raw
    record = AuditRecord.objects.get(action="registry.card.open")
    assert record.detail == {"kind": "mental_disorder", "person": person.pk}


def test_open_plain_card_keeps_json(setup):
    worker, person = setup
    card = card_open(
        actor=worker,
        person=person,
        kind=CardKind.HOUSEHOLD,
        attributes={"household_number": "H-01", "relation_to_householder": "子"},
    )
    card.refresh_from_db()
    assert card.attributes == {"household_number": "H-01", "relation_to_householder": "20"}
    assert card.attributes_secret == ""
    assert (card.opened_on, card.next_visit_on, card.risk_level) == (TODAY, None, None)


def test_open_validation_errors_are_prefixed_and_nothing_saved(setup):
    worker, person = setup
    with pytest.raises(ValidationError) as info:
        card_open(
            actor=worker,
            person=person,
            kind=CardKind.MENTAL_DISORDER,
            attributes={"diagnosis": "感冒"},
            risk_level=9,
            attention="极高",
            opened_on="2026-12-01",
        )
    assert info.value.message_dict == {
        "attributes.diagnosis": ["目前诊断类型：“感冒”不是代码表“目前诊断类型”中的有效值。"],
        "risk_level": [
            "危险性评估等级只能是：0（0级）、1（1级）、2（2级）、3（3级）、4（4级）、5（5级）。"
        ],
        "attention": ["“极高”不是有效的关注程度。"],
        "opened_on": ["列管日期不能晚于今天。"],
    }
    with pytest.raises(ValidationError) as info:
        card_open(actor=worker, person=person, kind=CardKind.HOUSEHOLD, risk_level=2)
    assert info.value.message_dict == {"risk_level": ["“户籍人口”没有风险等级。"]}
    with pytest.raises(ValidationError) as info:
        card_open(actor=worker, person=person, kind=CardKind.DRUG_USER)
    assert info.value.message_dict == {"risk_level": ["请填写风险等级。"]}
    assert not Card.objects.exists()


def test_one_active_card_per_kind(setup):
    worker, person = setup
    card = card_open(actor=worker, person=person, kind=CardKind.HOUSEHOLD)
    with pytest.raises(ValidationError) as info:
        card_open(actor=worker, person=person, kind=CardKind.HOUSEHOLD)
    assert info.value.message_dict == {"kind": ["该人员已有在册的“户籍人口”信息。"]}
    card_close(actor=worker, card=card, reason="迁出")
    again = card_open(actor=worker, person=person, kind=CardKind.HOUSEHOLD)
    assert again.pk != card.pk


def test_released_prisoner_gets_five_year_assistance_period(setup):
    worker, person = setup
    card = card_open(
        actor=worker,
        person=person,
        kind=CardKind.RELEASED_PRISONER,
        attributes={"original_crime": "盗窃罪", "release_date": "2024-02-29"},
        risk_level=2,
    )
    assert card.attribute_values()["assistance_end"] == "2029-02-28"
    assert card.next_visit_on == date(2027, 1, 19)  # opened today, risk 2: 60 days


def test_key_youth_age_range(setup):
    worker, person = setup  # born 2010-01-01: 16 on TODAY
    card = card_open(
        actor=worker, person=person, kind=CardKind.KEY_YOUTH, attributes={"youth_types": ["01"]}
    )
    assert card.attribute_values() == {"youth_types": ["01"]}
    adult = make_person(GRID_A1A, "成年人", id_number=make_id(birth="1990" + "0101", seq=13))
    with pytest.raises(ValidationError) as info:
        card_open(
            actor=worker, person=adult, kind=CardKind.KEY_YOUTH, attributes={"youth_types": "01"}
        )
    assert info.value.message_dict == {
        "kind": ["重点青少年应为 6–25 周岁，该人员列管时为 36 周岁。"]
    }


def test_update_replaces_attributes_with_version_check(setup):
    worker, person = setup
    card = card_open(
        actor=worker,
        person=person,
        kind=CardKind.DRUG_USER,
        attributes={"control_status": "01"},
        risk_level=1,
    )
    updated = card_update(
        actor=worker,
        card=card,
        version=1,
        attributes={"control_status": "02", "controller_name": "民警甲"},
        attention="01",
    )
    assert updated.attribute_values() == {"control_status": "02", "controller_name": "民警甲"}
    assert (updated.version, updated.attention) == (2, "01")
    assert AuditRecord.objects.get(action="registry.card.update").detail == {
        "kind": "drug_user",
        "fields": ["attributes", "attention"],
    }
    with pytest.raises(ConflictError):
        card_update(actor=worker, card=updated, version=1, attention="02")


def test_close_requires_reason_and_valid_date(setup):
    worker, person = setup
    card = card_open(actor=worker, person=person, kind=CardKind.HOUSEHOLD, opened_on="2026-03-01")
    with pytest.raises(ValidationError) as info:
        card_close(actor=worker, card=card, reason=" ", closed_on="2026-02-01")
    assert info.value.message_dict == {
        "reason": ["请填写注销原因。"],
        "closed_on": ["注销日期应在列管日期和今天之间。"],
    }
    closed = card_close(actor=worker, card=card, reason="死亡", closed_on="2026-10-01")
    assert (closed.status, closed.closed_on, closed.close_reason) == (
        CardStatus.CLOSED,
        date(2026, 10, 1),
        "死亡",
    )
    assert AuditRecord.objects.get(action="registry.card.close").detail == {
        "kind": "household",
        "reason": "死亡",
    }
    with pytest.raises(ValidationError, match="该信息已注销"):
        card_close(actor=worker, card=card, reason="重复")
    with pytest.raises(ValidationError, match="已注销的信息不能修改"):
        card_update(actor=worker, card=closed, version=closed.version, attention="01")


def test_cards_out_of_scope_or_read_only_are_denied(setup):
    _worker, person = setup
    for actor, message in [
        (make_actor(Role.TOWN_OPERATOR, TOWN_B), "该记录不在您的管辖范围内。"),
        (make_actor(Role.LEADER, COUNTY), "只读岗位不能修改数据。"),
    ]:
        with pytest.raises(PermissionDenied, match=message):
            card_open(actor=actor, person=person, kind=CardKind.HOUSEHOLD)
    assert not Card.objects.exists()


def test_responsible_and_helpers_must_be_users_in_scope(setup):
    worker, person = setup
    outsider = make_actor(Role.GRID_WORKER, "990101002001001")
    colleague = make_actor(Role.GRID_WORKER, GRID_A1A)
    with pytest.raises(ValidationError) as info:
        card_open(
            actor=worker,
            person=person,
            kind=CardKind.HOUSEHOLD,
            responsible_id=outsider.user.pk,
            helper_ids=[colleague.user.pk, outsider.user.pk],
        )
    assert info.value.message_dict == {
        "responsible_id": ["所选人员不存在或不在您的管辖范围内。"],
        "helper_ids": ["所选人员不存在或不在您的管辖范围内。"],
    }
    card = card_open(
        actor=worker,
        person=person,
        kind=CardKind.HOUSEHOLD,
        responsible_id=colleague.user.pk,
        helper_ids=[colleague.user.pk, worker.user.pk],
    )
    assert card.responsible == colleague.user
    assert set(card.helpers.all()) == {colleague.user, worker.user}

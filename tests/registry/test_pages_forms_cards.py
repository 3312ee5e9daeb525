"""列管 / 修改 / 注销 cards through the pages: the kind's own fields from `kinds.py`, field
errors next to the fields, the audited reveal before correcting hidden attributes, version
conflicts, and refusals (leader, departments) that change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.registry.kinds import CardKind
from pingan.registry.models import Card, CardStatus
from tests.accounts.factories import sign_in
from tests.registry.forms_helpers import errors_of, has_errors
from tests.registry.pages_helpers import html_of

pytestmark = pytest.mark.django_db


def new_url(person, kind: str = "") -> str:
    return f"/registry/people/{person.pk}/cards/new/" + (f"?kind={kind}" if kind else "")


def state(card: Card) -> tuple:
    card.refresh_from_db()
    return card.status, card.version, card.attribute_values(), card.risk_level, card.attention


def household_of(person) -> Card:
    return Card.objects.get(person=person, kind=CardKind.HOUSEHOLD)


def test_kind_choice_marks_the_kinds_the_person_already_has(client, world):
    sign_in(client, world.grid_a1a)
    html = html_of(client.get(new_url(world.p_a1a)))
    assert '<span class="kind-badge closed" data-kind="household"' in html
    assert '<span class="kind-badge closed" data-kind="mental_disorder"' in html
    assert '<a class="kind-badge" data-kind="floating" href="?kind=floating">流动人口</a>' in html
    assert 'data-kind="community_correction" href="?kind=community_correction"' in html


def test_the_form_has_the_kinds_fields_and_scale(client, world):
    sign_in(client, world.town_a)
    html = html_of(client.get(new_url(world.p_a2, CardKind.COMMUNITY_CORRECTION)))
    assert '<h1 id="form-title">列管：王五 · 社区矫正对象</h1>' in html
    assert '<option value="1">1（宽管）</option>' in html  # the kind's scale, named
    assert '<label for="a-correction_start">矫正开始日期 <span class="req">*</span></label>' in html
    assert '<input type="date" id="a-correction_start" name="attr_correction_start"' in html
    assert '<option value="02">缓刑</option>' in html  # code table values
    assert 'name="attr_four_histories" value="05"> 无</label>' in html  # multi-choice
    assert f'<option value="{world.town_a.user.pk}" selected>' in html  # responsible: me
    assert f'value="{timezone.localdate().isoformat()}"' in html  # opened today


def test_opening_a_card_through_the_page(client, world):
    sign_in(client, world.town_a)
    helper = world.village_a1.user
    response = client.post(
        new_url(world.p_a2),
        {
            "kind": CardKind.COMMUNITY_CORRECTION,
            "risk_level": "2",
            "attention": "02",
            "opened_on": "2026-01-10",
            "responsible_id": world.town_a.user.pk,
            "helper_ids": [helper.pk],
            "attr_correction_type": "02",
            "attr_crime": "盗窃罪",
            "attr_correction_start": "2026-01-01",
            "attr_correction_end": "2027-06-30",
            "attr_four_histories": ["01", "05"],
            "attr_recidivist": "false",
        },
    )
    card = Card.objects.get(person=world.p_a2, kind=CardKind.COMMUNITY_CORRECTION)
    assert response.status_code == 302
    assert response["Location"] == f"/registry/cards/{card.pk}/"
    assert card.attribute_values() == {
        "correction_type": "02",
        "crime": "盗窃罪",
        "correction_start": "2026-01-01",
        "correction_end": "2027-06-30",
        "four_histories": ["01", "05"],
        "recidivist": False,
    }
    assert (card.risk_level, card.attention, str(card.opened_on)) == (2, "02", "2026-01-10")
    assert card.responsible_id == world.town_a.user.pk
    assert list(card.helpers.values_list("pk", flat=True)) == [helper.pk]
    assert card.next_visit_on == dt.date(2026, 1, 25)  # 普管: 15 days
    record = AuditRecord.objects.get(action="registry.card.open")
    assert record.detail == {"kind": "community_correction", "person": world.p_a2.pk}
    assert "已列管为“社区矫正对象”。" in html_of(client.get(response["Location"]))


def test_kind_errors_come_back_next_to_the_fields_and_nothing_is_saved(client, world):
    sign_in(client, world.town_a)
    before = Card.objects.count()
    response = client.post(
        new_url(world.p_a2),
        {
            "kind": CardKind.COMMUNITY_CORRECTION,
            "risk_level": "",
            "opened_on": "2026-01-10",
            "attr_correction_start": "2026-05-01",
            "attr_correction_end": "2026-01-01",
            "attr_four_histories": ["zz"],
            "attr_crime": "盗窃罪",
        },
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "请填写管理等级。" in errors_of(html, "risk_level")
    assert "请填写矫正类别。" in errors_of(html, "attr_correction_type")
    assert "矫正结束日期不能早于矫正开始日期。" in errors_of(html, "attr_correction_end")
    assert "四史情况：“zz”不是代码表“四史情况”中的有效值。" in errors_of(
        html, "attr_four_histories"
    )
    assert not has_errors(html, "attr_crime")
    assert 'value="盗窃罪"' in html  # typed values come back
    assert Card.objects.count() == before
    assert not AuditRecord.objects.filter(action="registry.card.open").exists()
    # Kind rules: 重点青少年 are 6–25 years old; one active card per kind.
    response = client.post(
        new_url(world.p_a2), {"kind": CardKind.KEY_YOUTH, "attr_youth_types": ["01"]}
    )
    assert "重点青少年应为 6–25 周岁，该人员列管时为 36 周岁。" in errors_of(
        html_of(response), "kind"
    )
    response = client.post(
        new_url(world.p_a2),
        {"kind": CardKind.DRUG_USER, "risk_level": "1", "attr_control_status": "01"},
    )
    assert "该人员已有在册的“吸毒人员”信息。" in errors_of(html_of(response), "kind")
    assert Card.objects.count() == before


def test_correcting_a_plain_card(client, world):
    card = household_of(world.p_a1a)
    sign_in(client, world.grid_a1a)
    page = html_of(client.get(f"/registry/cards/{card.pk}/"))
    assert f'id="card-edit" href="/registry/cards/{card.pk}/edit/"' in page
    html = html_of(client.get(f"/registry/cards/{card.pk}/edit/"))
    assert 'name="attr_household_number" value="H001"' in html
    response = client.post(
        f"/registry/cards/{card.pk}/edit/",
        {
            "version": card.version,
            "attention": "01",
            "attr_household_number": "H002",
            "attr_relation_to_householder": "01",
        },
    )
    assert response.status_code == 302
    assert state(card) == (
        "active",
        2,
        {"household_number": "H002", "relation_to_householder": "01"},
        None,
        "01",
    )
    record = AuditRecord.objects.get(action="registry.card.update")
    assert record.detail == {"kind": "household", "fields": ["attributes", "attention"]}


def test_hidden_attributes_are_revealed_with_a_reason_before_the_form(client, world):
    card = world.mental_a
    sign_in(client, world.grid_a1a)
    url = f"/registry/cards/{card.pk}/edit/"
    html = html_of(client.get(url))
    assert 'id="reveal-step-form"' in html and 'id="card-form"' not in html
    assert "13700002222" not in html and "张大" not in html
    reveals = AuditRecord.objects.filter(action="sensitive.reveal")
    response = client.post(url, {"step": "reveal", "reason": " "})
    assert response.status_code == 400
    assert "请填写查看完整信息的原因。" in errors_of(html_of(response), "reason")
    assert reveals.count() == 0
    response = client.post(url, {"step": "reveal", "reason": "更正监护人电话"})
    html = html_of(response)
    assert response.status_code == 200 and 'id="card-form"' in html
    assert 'name="attr_guardian_phone" value="13700002222"' in html
    assert '<option value="01" selected>' in html  # the diagnosis
    assert sorted(reveals.values_list("detail__field", flat=True)) == [
        "diagnosis",
        "guardian_name",
        "guardian_phone",
    ]
    response = client.post(
        url,
        {
            "version": card.version,
            "attr_diagnosis": "01",
            "attr_guardian_name": "张大",
            "attr_guardian_phone": "13700003333",
        },
    )
    assert response.status_code == 302
    status, version, values, risk, _attention = state(card)
    assert (status, version, risk) == ("active", 2, 3)
    assert values == {"diagnosis": "01", "guardian_name": "张大", "guardian_phone": "13700003333"}


def test_a_stale_card_edit_is_a_conflict(client, world):
    card = household_of(world.p_a1b)
    before = state(card)
    sign_in(client, world.town_a)
    response = client.post(
        f"/registry/cards/{card.pk}/edit/",
        {"version": card.version + 5, "attr_household_number": "H999"},
    )
    html = html_of(response)
    assert response.status_code == 409
    assert "该信息已被他人修改，请刷新后重试。" in errors_of(html, "all")
    assert 'name="attr_household_number" value="H999"' in html
    assert state(card) == before
    response = client.post(
        f"/registry/cards/{card.pk}/edit/",
        {"version": card.version, "attr_person_household_match": "也许"},
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "人户一致：请填写“是”或“否”。" in errors_of(html, "attr_person_household_match")
    assert state(card) == before


def test_closing_a_card(client, world):
    card = world.correction_a
    sign_in(client, world.town_a)
    url = f"/registry/cards/{card.pk}/close/"
    html = html_of(client.get(url))
    assert f'id="card-close" href="{url}"' in html_of(client.get(f"/registry/cards/{card.pk}/"))
    assert 'id="close-form"' in html
    response = client.post(url, {"reason": "", "closed_on": "2025-12-31"})
    html = html_of(response)
    assert response.status_code == 400
    assert "请填写注销原因。" in errors_of(html, "reason")
    assert "注销日期应在列管日期和今天之间。" in errors_of(html, "closed_on")  # before opening
    assert state(card)[0] == "active"
    today = timezone.localdate()
    response = client.post(url, {"reason": "矫正期满", "closed_on": today.isoformat()})
    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.status, card.closed_on, card.close_reason) == (
        CardStatus.CLOSED,
        today,
        "矫正期满",
    )
    assert card.next_visit_on is None
    assert AuditRecord.objects.get(action="registry.card.close").detail == {
        "kind": "community_correction",
        "reason": "矫正期满",
    }
    page = html_of(client.get(f"/registry/cards/{card.pk}/"))
    assert 'id="card-edit"' not in page and 'id="card-close"' not in page
    response = client.get(f"/registry/cards/{card.pk}/edit/", follow=True)
    assert "已注销的信息不能修改。" in html_of(response)
    assert 'id="already-closed"' in html_of(client.get(url))


def test_leader_and_department_cannot_change_cards(client, world):
    card = world.mental_a
    before = state(card)
    sign_in(client, world.leader)
    page = html_of(client.get(f"/registry/cards/{card.pk}/"))
    assert 'id="card-edit"' not in page and 'id="card-close"' not in page
    assert client.get(f"/registry/cards/{card.pk}/edit/").status_code == 403
    assert client.post(f"/registry/cards/{card.pk}/close/", {"reason": "强行"}).status_code == 403
    response = client.post(new_url(world.p_a2), {"kind": CardKind.FLOATING})
    assert response.status_code == 403
    sign_in(client, world.weijian)  # its gate opens this card for reading
    page = html_of(client.get(f"/registry/cards/{card.pk}/"))
    assert response.status_code == 403 and 'id="card-edit"' not in page
    response = client.post(
        f"/registry/cards/{card.pk}/edit/", {"version": card.version, "attr_diagnosis": "02"}
    )
    assert response.status_code == 403
    assert "当前岗位不能登记或修改基础信息。" in html_of(response)
    assert state(card) == before
    assert Card.objects.filter(person=world.p_a2).count() == 1
    denied = AuditRecord.objects.filter(action="permission.denied")
    assert denied.filter(detail__reason="read_only_role").count() == 3
    assert denied.filter(detail__reason="registry_write_role").count() == 1

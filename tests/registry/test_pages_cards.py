"""Card pages: gated detail, visit history and the visit form, card reveal, overdue lists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.registry.models import Card, Visit
from tests.accounts.factories import sign_in
from tests.registry.factories import TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_A2
from tests.registry.pages_helpers import HX, html_of, row_ids

pytestmark = pytest.mark.django_db


def visit_form(html: str) -> bool:
    return 'id="visit-form"' in html


def test_card_page_shows_schedule_and_the_visit_form(client, world):
    sign_in(client, world.grid_a1a)
    response = client.get(f"/registry/cards/{world.mental_a.pk}/")
    html = html_of(response)
    assert response.status_code == 200
    assert '<h1 id="card-title">张三丰 · 严重精神障碍患者</h1>' in html
    assert '<dd id="card-risk">3（3级）</dd>' in html
    assert visit_form(html)
    assert '<option value="01">入户走访</option>' in html
    assert '<option value="3" selected>3（3级） — 14 天后再次走访</option>' in html
    assert '<option value="0">0（0级） — 90 天后再次走访</option>' in html
    assert "暂无走访记录。" in html
    # Summary only for a sensitive kind; the reveal offers the rest.
    assert "13700002222" not in html
    reveal = f"/registry/cards/{world.mental_a.pk}/reveal/"
    assert f'action="{reveal}" hx-post="{reveal}" hx-target="#reveal-panel"' in html


def test_recording_a_visit_reschedules_and_is_audited(client, world):
    sign_in(client, world.grid_a1a)
    day = timezone.localdate() - timedelta(days=1)
    response = client.post(
        f"/registry/cards/{world.mental_a.pk}/visits/",
        {
            "method": "01",
            "visited_at": f"{day.isoformat()}T10:00",
            "place": "家中",
            "notes": "情况稳定，按时服药",
            "risk_level": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/registry/cards/{world.mental_a.pk}/"
    card = Card.objects.get(pk=world.mental_a.pk)
    expected = day + timedelta(days=14)
    assert (card.risk_level, card.next_visit_on) == (1, expected)
    visit = Visit.objects.get(card=card)
    assert (visit.method, visit.place, visit.notes, visit.risk_level_after) == (
        "01",
        "家中",
        "情况稳定，按时服药",
        1,
    )
    record = AuditRecord.objects.get(action="registry.visit.create")
    assert record.object_id == str(visit.pk)
    html = html_of(client.get(response["Location"]))
    assert f"走访已登记。下次走访日期：{expected.isoformat()}。" in html
    assert f'<dd class="mono" id="next-visit">{expected.isoformat()}</dd>' in html
    assert "情况稳定，按时服药" in html
    assert f"{day.isoformat()} 10:00" in html


def test_visit_errors_are_shown_and_nothing_is_saved(client, world):
    sign_in(client, world.grid_a1a)
    response = client.post(
        f"/registry/cards/{world.mental_a.pk}/visits/",
        {"method": "", "visited_at": "2026-01-01T10:00", "risk_level": "", "notes": "x"},
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "<li>请选择有效的走访方式。</li>" in html
    assert "<li>请填写危险性评估等级。</li>" in html
    assert ">x</textarea>" in html  # what was typed comes back
    assert not Visit.objects.exists()
    assert Card.objects.get(pk=world.mental_a.pk).risk_level == 3


def test_leader_sees_no_visit_form_and_a_post_changes_nothing(client, world):
    sign_in(client, world.leader)
    html = html_of(client.get(f"/registry/cards/{world.mental_a.pk}/"))
    assert not visit_form(html)
    assert "只读岗位不能登记走访。" in html
    assert "领导岗位只读，不能查看完整身份证号、电话等敏感信息。" in html
    before = Card.objects.get(pk=world.mental_a.pk).next_visit_on
    response = client.post(
        f"/registry/cards/{world.mental_a.pk}/visits/", {"method": "01", "risk_level": "1"}
    )
    assert response.status_code == 403
    assert "只读岗位不能修改数据。" in html_of(response)
    assert not Visit.objects.exists()
    assert Card.objects.get(pk=world.mental_a.pk).next_visit_on == before
    response = client.post(f"/registry/cards/{world.mental_a.pk}/reveal/", {"reason": "看"}, **HX)
    assert response.status_code == 403
    assert "13700002222" not in html_of(response)


def test_out_of_scope_and_ungated_cards_are_404(client, world):
    sign_in(client, world.town_b)
    assert client.get(f"/registry/cards/{world.mental_a.pk}/").status_code == 404
    url = f"/registry/cards/{world.mental_a.pk}/visits/"
    assert client.post(url, {"method": "01", "risk_level": "1"}).status_code == 404
    assert not Visit.objects.exists()
    client.logout()
    sign_in(client, world.weijian)
    assert client.get(f"/registry/cards/{world.correction_a.pk}/").status_code == 404
    assert client.get(f"/registry/cards/{world.mental_a.pk}/").status_code == 200


def test_weijian_reads_the_gated_card_without_writing(client, world):
    sign_in(client, world.weijian)
    html = html_of(client.get(f"/registry/cards/{world.mental_a.pk}/"))
    assert "<dt>目前诊断类型</dt>" in html
    assert "<dt>监护人联系方式</dt><dd>137****2222</dd>" in html
    assert not visit_form(html)
    assert "职能部门只能查看，走访由辖区网格员和操作员登记。" in html
    response = client.post(
        f"/registry/cards/{world.mental_a.pk}/reveal/", {"reason": "联系监护人"}, **HX
    )
    assert response.status_code == 200
    assert "<dt>监护人联系方式</dt><dd>13700002222</dd>" in html_of(response)
    records = AuditRecord.objects.filter(action="sensitive.reveal")
    assert [(r.outcome, r.detail["field"]) for r in records] == [("ok", "guardian_phone")]


def test_card_reveal_by_the_grid_worker_shows_every_attribute(client, world):
    sign_in(client, world.grid_a1a)
    url = f"/registry/cards/{world.mental_a.pk}/reveal/"
    response = client.post(url, {"reason": ""}, **HX)
    assert response.status_code == 400
    assert "<li>请填写查看完整信息的原因。</li>" in html_of(response)
    response = client.post(url, {"reason": "随访前核对"}, **HX)
    html = html_of(response)
    assert response.status_code == 200
    assert "<dt>目前诊断类型</dt>" in html
    assert "<dt>监护人姓名</dt><dd>张大</dd>" in html
    assert "<dt>监护人联系方式</dt><dd>13700002222</dd>" in html
    records = AuditRecord.objects.filter(action="sensitive.reveal", outcome="ok")
    assert sorted(r.detail["field"] for r in records) == [
        "diagnosis",
        "guardian_name",
        "guardian_phone",
    ]


@pytest.fixture
def overdue(world):
    """Three overdue cards (two in town A, one in town B) and one due in the future."""
    today = timezone.localdate()
    Card.objects.exclude(next_visit_on=None).update(next_visit_on=today + timedelta(days=30))
    Card.objects.filter(pk=world.mental_a.pk).update(
        next_visit_on=today - timedelta(days=3), responsible=world.grid_a1a.user
    )
    Card.objects.filter(pk=world.drug_a.pk).update(next_visit_on=today - timedelta(days=10))
    Card.objects.filter(pk=world.mental_b.pk).update(next_visit_on=today - timedelta(days=1))
    Card.objects.filter(pk=world.correction_a.pk).update(next_visit_on=today)  # due, not late
    return world


def summary_rows(html: str) -> list[tuple[str, int]]:
    return [
        (key, int(count))
        for key, count in re.findall(
            r'<tr data-key="(\w*)">.*?<td class="num">(\d+)</td></tr>', html
        )
    ]


def test_overdue_for_a_town_by_village(client, overdue):
    sign_in(client, overdue.town_a)
    html = html_of(client.get("/registry/overdue/"))
    assert row_ids(html, "card") == [overdue.drug_a.pk, overdue.mental_a.pk]  # most overdue first
    assert overdue.mental_b.pk not in row_ids(html, "card")
    assert summary_rows(html) == [(VILLAGE_A1, 1), (VILLAGE_A2, 1)]
    assert '<td class="num">10</td>' in html and '<td class="num">3</td>' in html
    assert 'class="active" aria-current="true">按村（社区）</a>' in html


def test_overdue_for_the_county_by_town_and_drill_down(client, overdue):
    sign_in(client, overdue.county)
    html = html_of(client.get("/registry/overdue/"))
    assert summary_rows(html) == [(TOWN_A, 2), (TOWN_B, 1)]
    assert f'href="?region={TOWN_A}&amp;by=village"' in html
    html = html_of(client.get("/registry/overdue/", {"region": TOWN_A, "by": "village"}))
    assert row_ids(html, "card") == [overdue.drug_a.pk, overdue.mental_a.pk]
    html = html_of(client.get("/registry/overdue/", {"kind": "mental_disorder"}))
    assert row_ids(html, "card") == [overdue.mental_a.pk, overdue.mental_b.pk]


def test_overdue_for_a_grid_worker_by_responsible(client, overdue):
    sign_in(client, overdue.grid_a1a)
    html = html_of(client.get("/registry/overdue/"))
    assert row_ids(html, "card") == [overdue.mental_a.pk]
    user = overdue.grid_a1a.user
    assert summary_rows(html) == [(str(user.pk), 1)]
    assert user.full_name in html
    html = html_of(client.get("/registry/overdue/", {"responsible": user.pk, "by": "responsible"}))
    assert row_ids(html, "card") == [overdue.mental_a.pk]
    assert f"责任人：{user.full_name}" in html


def test_overdue_for_weijian_is_only_its_gated_kind(client, overdue):
    sign_in(client, overdue.weijian)
    html = html_of(client.get("/registry/overdue/"))
    assert row_ids(html, "card") == [overdue.mental_a.pk, overdue.mental_b.pk]
    assert overdue.drug_a.pk not in row_ids(html, "card")
    assert summary_rows(html) == [(TOWN_A, 1), (TOWN_B, 1)]
    # Who is responsible is not a gated field.
    assert "按责任人" not in html and overdue.grid_a1a.user.full_name not in html
    html = html_of(client.get("/registry/overdue/", {"by": "responsible"}))
    assert summary_rows(html) == [(TOWN_A, 1), (TOWN_B, 1)]

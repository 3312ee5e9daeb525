"""People pages: list with search and filters (scoped, masked, paged), detail, reveal,
export, gates for departments, read-only leaders."""

from __future__ import annotations

import pytest

from pingan.audit.models import AuditRecord
from pingan.registry.kinds import CardKind
from pingan.registry.models import House, Person
from tests.accounts.factories import sign_in
from tests.registry.factories import GRID_A1A, TOWN_B, VILLAGE_A2, make_card, make_person
from tests.registry.pages_helpers import HX, html_of, nav_urls, person_rows
from tests.registry.transfer_helpers import read_xlsx

pytestmark = pytest.mark.django_db


def masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


def test_list_is_scoped_masked_and_in_the_nav(client, world):
    sign_in(client, world.town_a)
    response = client.get("/registry/")
    html = html_of(response)
    assert response.status_code == 200
    assert person_rows(html) == ["李四", "王五", "张三丰"]  # by pinyin; 赵六 is town B's
    assert "赵六" not in html
    assert masked(world.p_a1a.id_number) in html and world.p_a1a.id_number not in html
    assert "138****5678" in html and "13812345678" not in html
    assert "/registry/" in nav_urls(response)
    assert 'href="/registry/" class="active"' in html  # the 基础信息 entry is the current one
    assert '<span class="kind-badge sensitive">严重精神障碍患者</span>' in html
    assert "共 3 条，第 1/1 页" in html


def test_search_box_speaks_the_api_query_language(client, world):
    sign_in(client, world.county)
    assert person_rows(html_of(client.get("/registry/", {"q": "zsf"}))) == ["张三丰"]
    tail = world.p_a1b.id_number[-6:]
    assert person_rows(html_of(client.get("/registry/", {"q": tail}))) == ["李四"]
    assert person_rows(html_of(client.get("/registry/", {"q": "138 1234 5678"}))) == ["张三丰"]
    full = world.p_b1.id_number
    spaced = f"{full[:6]} {full[6:14]} {full[14:]}"
    assert person_rows(html_of(client.get("/registry/", {"q": spaced}))) == ["赵六"]
    bad = full[:17] + ("1" if full[17] != "1" else "2")
    response = client.get("/registry/", {"q": bad})
    html = html_of(response)
    assert response.status_code == 200
    assert person_rows(html) == []
    assert '<ul class="errorlist" id="q-error"><li>校验码错误' in html


def test_filters_by_region_kind_and_level(client, world):
    sign_in(client, world.town_a)

    def names(**params):
        return person_rows(html_of(client.get("/registry/", params)))

    assert names(region=VILLAGE_A2) == ["王五"]
    assert names(region=GRID_A1A) == ["张三丰"]
    assert names(kind=CardKind.COMMUNITY_CORRECTION) == ["李四"]
    assert names(kind=CardKind.MENTAL_DISORDER, risk="3") == ["张三丰"]
    assert names(kind=CardKind.MENTAL_DISORDER, risk="0") == []  # 赵六's level-0 card: town B
    assert names(risk="2") == ["李四"]
    # Another town's code is treated like an unknown one: a message, the filter ignored.
    response = client.get("/registry/", {"region": TOWN_B})
    html = html_of(response)
    assert person_rows(html) == ["李四", "王五", "张三丰"]
    assert f"区划编码“{TOWN_B}”不存在或不在您的管辖范围内。" in html


def test_htmx_gets_only_the_results(client, world):
    sign_in(client, world.town_a)
    response = client.get("/registry/", {"q": "王"}, **HX)
    html = html_of(response)
    assert html.startswith('<section class="card" id="results">')
    assert person_rows(html) == ["王五"]
    assert "<html" not in html
    # The level list follows the chosen kind (out-of-band swap).
    html = html_of(client.get("/registry/", {"kind": CardKind.COMMUNITY_CORRECTION}, **HX))
    assert '<div class="form-row" id="risk-row" hx-swap-oob="true">' in html
    assert '<option value="3">3（严管）</option>' in html


def test_list_is_paged(client, world):
    for n in range(52):
        make_person(GRID_A1A, name=f"测{n:02d}", address=f"测试街{n}号")
    sign_in(client, world.grid_a1a)
    first = html_of(client.get("/registry/", {"q": "测试街"}))
    assert len(person_rows(first)) == 50
    assert "共 52 条，第 1/2 页" in first
    second = html_of(client.get("/registry/", {"q": "测试街", "page": "2"}))
    assert len(person_rows(second)) == 2
    assert "共 52 条，第 2/2 页" in second


def test_person_detail_masked_with_cards_visits_and_house(client, world):
    house = House.objects.create(address="示范村一组1号", region_code=GRID_A1A)
    Person.objects.filter(pk=world.p_a1a.pk).update(house=house)
    sign_in(client, world.grid_a1a)
    response = client.get(f"/registry/people/{world.p_a1a.pk}/")
    html = html_of(response)
    assert response.status_code == 200
    assert '<h1 id="person-name">张三丰</h1>' in html
    assert f'<dd class="mono" id="masked-id">{masked(world.p_a1a.id_number)}</dd>' in html
    assert '<dd class="mono" id="masked-phone">138****5678</dd>' in html
    assert f'<a href="/registry/houses/{house.pk}/" id="house-link">示范村一组1号</a>' in html
    assert 'data-kind="household"' in html and 'data-kind="mental_disorder"' in html
    # A sensitive kind shows only summary attributes; the guardian's phone is not shown.
    assert "13700002222" not in html and "137****2222" not in html
    assert "其余类型信息须在类型卡页面“查看完整信息”。" in html
    assert "暂无走访记录。" in html
    assert 'name="fields" value="id_number"' in html and 'name="fields" value="phone"' in html
    reveal = f"/registry/people/{world.p_a1a.pk}/reveal/"
    assert f'action="{reveal}" hx-post="{reveal}" hx-target="#reveal-panel"' in html


def test_out_of_scope_detail_is_404_and_audited(client, world):
    sign_in(client, world.town_a)
    assert client.get(f"/registry/people/{world.p_b1.pk}/").status_code == 404
    assert client.get("/registry/people/999999/").status_code == 404
    denied = AuditRecord.objects.filter(action="scope.denied", object_type="registry.person")
    assert [r.object_id for r in denied] == [str(world.p_b1.pk)]


def test_reveal_shows_full_values_and_audits_each_field(client, world):
    sign_in(client, world.grid_a1a)
    url = f"/registry/people/{world.p_a1a.pk}/reveal/"
    response = client.post(url, {"fields": ["id_number", "phone"], "reason": "入户核实"}, **HX)
    html = html_of(response)
    assert response.status_code == 200
    assert html.startswith('<div id="reveal-panel">')
    assert f"<dt>公民身份号码</dt><dd>{world.p_a1a.id_number}</dd>" in html
    assert "<dt>联系电话</dt><dd>13812345678</dd>" in html
    records = AuditRecord.objects.filter(action="sensitive.reveal").order_by("seq")
    assert [(r.outcome, r.detail["field"], r.detail["reason"]) for r in records] == [
        ("ok", "id_number", "入户核实"),
        ("ok", "phone", "入户核实"),
    ]


def test_reveal_needs_a_reason_and_is_404_out_of_scope(client, world):
    sign_in(client, world.town_a)
    response = client.post(
        f"/registry/people/{world.p_a1a.pk}/reveal/", {"fields": ["id_number"]}, **HX
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "<li>请填写查看完整信息的原因。</li>" in html
    assert world.p_a1a.id_number not in html
    url = f"/registry/people/{world.p_b1.pk}/reveal/"
    assert client.post(url, {"fields": ["id_number"], "reason": "核实"}, **HX).status_code == 404
    assert not AuditRecord.objects.filter(action="sensitive.reveal").exists()


def test_leader_reads_but_has_no_reveal_export_or_write(client, world):
    sign_in(client, world.leader)
    html = html_of(client.get("/registry/"))
    assert person_rows(html) == ["李四", "王五", "张三丰", "赵六"]
    assert "导出 Excel" not in html and 'action="/registry/people/export/"' not in html
    assert 'href="/registry/imports/"' not in html
    detail = html_of(client.get(f"/registry/people/{world.p_a1a.pk}/"))
    assert "领导岗位只读，不能查看完整身份证号、电话等敏感信息。" in detail
    assert 'class="reveal-form"' not in detail
    # Posting anyway: refused with the reason, audited, nothing released.
    response = client.post(
        f"/registry/people/{world.p_a1a.pk}/reveal/",
        {"fields": ["id_number"], "reason": "看看"},
        **HX,
    )
    assert response.status_code == 403
    assert "您当前的岗位无权查看该信息的完整内容。" in html_of(response)
    assert world.p_a1a.id_number not in html_of(response)
    record = AuditRecord.objects.get(action="sensitive.reveal")
    assert (record.outcome, record.detail["denied"]) == ("denied", "role")
    response = client.post("/registry/people/export/", {"kind": "", "region": ""})
    assert response.status_code == 403
    assert "当前岗位不能导出人员信息" in html_of(response)
    assert not AuditRecord.objects.filter(action="registry.export").exists()


def test_weijian_sees_only_mental_disorder_cards_and_gate_fields(client, world):
    sign_in(client, world.weijian)
    response = client.get("/registry/")
    html = html_of(response)
    assert person_rows(html) == ["张三丰", "赵六"]
    assert "/registry/" in nav_urls(response)
    assert "户籍人口" not in html and "刑满释放人员" not in html
    assert "联系电话" not in html and "138****5678" not in html  # gates do not open phones
    assert 'href="/registry/houses/"' not in html
    detail = html_of(client.get(f"/registry/people/{world.p_a1a.pk}/"))
    assert 'data-kind="mental_disorder"' in detail and 'data-kind="household"' not in detail
    assert "<dt>目前诊断类型</dt>" in detail
    assert "<dt>监护人联系方式</dt><dd>137****2222</dd>" in detail
    assert "数据闸门未向本部门开放该人员的完整身份证号和电话。" in detail
    # 李四 has only household and correction cards: not the health department's.
    assert client.get(f"/registry/people/{world.p_a1b.pk}/").status_code == 404
    assert client.get("/registry/houses/").status_code == 403


def test_minzheng_has_no_gate_so_no_registry_pages(client, world):
    sign_in(client, world.minzheng)
    assert "/registry/" not in nav_urls(client.get("/"))
    response = client.get("/registry/")
    assert response.status_code == 403
    assert "本部门没有经数据闸门开放的人员类型，不能查阅基础信息。" in html_of(response)
    assert "张三丰" not in html_of(response)
    assert client.get(f"/registry/people/{world.p_a1a.pk}/").status_code == 403
    record = AuditRecord.objects.filter(action="permission.denied", object_id="registry").first()
    assert record is not None and record.outcome == "denied"


def test_sifa_sees_correction_and_released_people(client, world):
    sign_in(client, world.sifa)
    html = html_of(client.get("/registry/"))
    assert person_rows(html) == ["李四", "赵六"]
    assert "社区矫正对象" in html and "刑满释放人员" in html
    assert "严重精神障碍患者" not in html  # 赵六's mental card is not sifa's


def test_export_downloads_the_filtered_kind_and_is_audited(client, world):
    sign_in(client, world.town_a)
    html = html_of(client.get("/registry/"))
    assert 'action="/registry/people/export/"' in html
    response = client.post(
        "/registry/people/export/", {"kind": CardKind.MENTAL_DISORDER, "region": ""}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    rows = read_xlsx(response.content)
    assert rows[0][0] == "人员信息导出"
    data = [r for r in rows[6:] if r and r[0]]
    assert [r[0] for r in data] == ["张三丰"]
    record = AuditRecord.objects.get(action="registry.export")
    assert record.detail == {
        "kind": CardKind.MENTAL_DISORDER,
        "region": "990101001",
        "rows": 1,
        "reveal": False,
    }


def test_grid_worker_gets_no_export(client, world):
    sign_in(client, world.grid_a1a)
    assert 'action="/registry/people/export/"' not in html_of(client.get("/registry/"))
    response = client.post("/registry/people/export/", {"kind": "", "region": ""})
    assert response.status_code == 403
    assert not AuditRecord.objects.filter(action="registry.export").exists()


def test_full_export_needs_a_reason(client, world):
    sign_in(client, world.county)
    response = client.post("/registry/people/export/", {"kind": "", "reveal": "1", "reason": ""})
    assert response.status_code == 302
    page = html_of(client.get(response["Location"]))
    assert "导出完整信息须填写原因。" in page
    assert not AuditRecord.objects.filter(action="registry.export").exists()


def test_closed_cards_still_listed_but_struck_through(client, world):
    card = make_card(world.p_a2, CardKind.KEY_YOUTH, {"youth_types": ["01"]}, status="closed")
    sign_in(client, world.town_a)
    html = html_of(client.get(f"/registry/people/{world.p_a2.pk}/"))
    assert f'data-card="{card.pk}"' in html
    assert '<span class="badge badge-muted">已注销</span>' in html


def test_list_query_count_does_not_grow_with_the_page(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, world.county)
    client.get("/registry/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get("/registry/")
    for n in range(20):
        person = make_person(GRID_A1A, name=f"测{n:02d}")
        make_card(person, CardKind.FLOATING, {"inflow_reason": "01"})
    with CaptureQueriesContext(connection) as many:
        response = client.get("/registry/")
    assert len(person_rows(html_of(response))) == 24
    assert len(many) == len(few)

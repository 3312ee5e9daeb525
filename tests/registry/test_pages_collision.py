"""碰撞比对 page: scoped, gated, masked matches; invalid lines; audited export."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pingan.audit.models import AuditRecord
from tests.accounts.factories import sign_in
from tests.registry.factories import make_id
from tests.registry.pages_helpers import HX, html_of, row_ids
from tests.registry.transfer_helpers import read_xlsx

pytestmark = pytest.mark.django_db


def masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


def pasted(world) -> str:
    unknown = make_id("19700101", 901)
    return "\n".join([world.p_a1a.id_number, world.p_b1.id_number, "12345", unknown, ""])


def test_compare_pasted_ids_within_scope(client, world):
    sign_in(client, world.town_a)
    assert 'id="collision-form"' in html_of(client.get("/registry/collision/"))
    response = client.post("/registry/collision/", {"key": "id_number", "items": pasted(world)})
    html = html_of(response)
    assert response.status_code == 200
    assert '<strong id="count-items">4</strong>' in html
    assert '<strong id="count-matched">1</strong>' in html  # 赵六 is in town B: not compared
    assert '<strong id="count-invalid">1</strong>' in html
    assert row_ids(html, "person") == [world.p_a1a.pk]
    assert masked(world.p_a1a.id_number) in html
    assert '<td class="num">1</td>' in html  # the line of the match
    assert '<td class="num">3</td><td>' in html  # the invalid line
    assert "赵六" not in html
    record = AuditRecord.objects.get(action="registry.collision")
    assert record.detail == {"key": "id_number", "items": 4, "matches": 1, "invalid": 1}


def test_htmx_gets_the_results_fragment(client, world):
    sign_in(client, world.county)
    response = client.post(
        "/registry/collision/", {"key": "id_number", "items": pasted(world)}, **HX
    )
    html = html_of(response)
    assert html.startswith('<section class="card" id="collision-results">')
    assert row_ids(html, "person") == [world.p_a1a.pk, world.p_b1.pk]


def test_weijian_matches_only_people_with_its_gated_cards(client, world):
    sign_in(client, world.weijian)
    html = html_of(client.get("/registry/collision/"))
    assert '<option value="phone"' not in html  # its gate does not open phones
    items = "\n".join([world.p_a1a.id_number, world.p_a1b.id_number, world.p_b1.id_number])
    html = html_of(client.post("/registry/collision/", {"key": "id_number", "items": items}))
    assert row_ids(html, "person") == [world.p_a1a.pk, world.p_b1.pk]  # 李四: no mental card
    assert "严重精神障碍患者" in html and "刑满释放人员" not in html and "户籍人口" not in html
    response = client.post("/registry/collision/", {"key": "phone", "items": "13812345678"})
    assert response.status_code == 400
    assert "本部门不能按联系电话比对。" in html_of(response)


def test_uploaded_file_and_name_birth_key(client, world):
    sign_in(client, world.town_a)
    content = "姓名,出生日期\n张三丰,1990-01-01\n无名氏,1990-01-01\n".encode()
    response = client.post(
        "/registry/collision/",
        {"key": "name_birth", "file": SimpleUploadedFile("list.csv", content)},
    )
    html = html_of(response)
    assert '<strong id="count-items">2</strong>' in html
    assert row_ids(html, "person") == [world.p_a1a.pk]
    assert '<td class="mono">1990-01-01</td>' in html


def test_empty_list_is_a_field_error(client, world):
    sign_in(client, world.town_a)
    response = client.post("/registry/collision/", {"key": "id_number", "items": "  \n"})
    assert response.status_code == 400
    assert "请上传名单文件，或在文本框中每行填写一条。" in html_of(response)
    assert not AuditRecord.objects.filter(action="registry.collision").exists()


def test_export_of_matches_is_audited(client, world):
    sign_in(client, world.town_a)
    assert 'id="collision-export"' in html_of(client.get("/registry/collision/"))
    response = client.post(
        "/registry/collision/export.xlsx", {"key": "id_number", "items": pasted(world)}
    )
    assert response.status_code == 200
    rows = read_xlsx(response.content)
    assert rows[2] == ["行号", "人员编号", "姓名", "公民身份号码", "所属网格", "人员类型"]
    assert rows[3][:4] == [1, world.p_a1a.pk, "张三丰", masked(world.p_a1a.id_number)]
    assert len(rows) == 4
    record = AuditRecord.objects.get(action="registry.export")
    assert record.detail == {"collision": True, "key": "id_number", "rows": 1}


@pytest.mark.parametrize("who", ["grid_a1a", "leader"])
def test_grid_workers_and_leaders_compare_but_do_not_export(client, world, who):
    sign_in(client, getattr(world, who))
    assert 'id="collision-export"' not in html_of(client.get("/registry/collision/"))
    response = client.post(
        "/registry/collision/", {"key": "id_number", "items": world.p_a1a.id_number}
    )
    assert row_ids(html_of(response), "person") == [world.p_a1a.pk]
    response = client.post(
        "/registry/collision/export.xlsx", {"key": "id_number", "items": world.p_a1a.id_number}
    )
    assert response.status_code == 403
    assert "当前岗位不能导出比对结果" in html_of(response)
    assert not AuditRecord.objects.filter(action="registry.export").exists()

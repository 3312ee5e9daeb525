"""Spreadsheet import: templates, dry run, commit, row errors, update/skip, error report."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.registry.imports.columns import columns_for
from pingan.registry.keys import id_keys, phone_hash
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.models import Card, Person, RegistryImport
from tests.factories import make_actor
from tests.registry.factories import (
    GRID_A1A,
    GRID_A1B,
    GRID_B1A,
    TOWN_A,
    VILLAGE_A1,
    api_client,
    build_tree,
    make_card,
    make_id,
    make_person,
)
from tests.registry.transfer_helpers import read_xlsx, upload, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "公民身份号码", "联系电话", "民族", "现住址", "所属网格", "户号", "与户主关系"]
ID1 = make_id("19850312", 101)
ID2 = make_id("19920705", 202)
ID3 = make_id("20010101", 303)


@pytest.fixture
def town():
    build_tree()
    return make_actor(Role.TOWN_OPERATOR, TOWN_A)


def good_rows():
    return [
        ["张三", ID1, "13812345678", "汉族", "示范村一组1号", GRID_A1A, "H001", "01"],
        ["李四", ID2, "", "03", "示范村一组2号", GRID_A1B, "H002", ""],
    ]


def test_template_per_kind_has_chinese_headers_and_notes(town):
    client = api_client(town)
    for kind in CardKind.values:
        response = client.get(f"/api/v1/registry/templates/{kind}.xlsx")
        assert response.status_code == 200, kind
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        header = read_xlsx(content)[0]
        expected = [c.label for c in columns_for(kind)]
        assert header == expected
        assert header[:6] == ["姓名", "公民身份号码", "联系电话", "民族", "现住址", "所属网格"]
        assert len(set(header)) == len(header)  # every column is found by its label
        for field in SPECS[kind].fields:
            assert field.label in header
        notes = read_xlsx(content, "说明")
        rows = {r[0]: r for r in notes[4:]}
        assert rows["公民身份号码"][1] == "是"
    notes = read_xlsx(client.get("/api/v1/registry/templates/mental_disorder.xlsx").content, "说明")
    diagnosis = next(r for r in notes if r[0] == "目前诊断类型")
    assert "01 精神分裂症" in diagnosis[4]
    risk = next(r for r in notes if r[0] == "危险性评估等级")
    assert risk[1] == "是"
    csv_response = client.get("/api/v1/registry/templates/floating.csv")
    assert csv_response.content.startswith("\ufeff姓名,公民身份号码".encode())
    assert client.get("/api/v1/registry/templates/nope.xlsx").status_code == 404


def test_good_import_creates_exact_rows_with_encrypted_fields(town):
    before = AuditRecord.objects.count()
    response = upload(town, xlsx(HEADER, good_rows()), dry_run=False)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rows"], body["creates"], body["updates"], body["skips"]) == (2, 2, 0, 0)
    assert body["errors"] == [] and body["status"] == "committed"
    zhang = Person.objects.get(id_hash=id_keys(ID1)["id_hash"])
    assert (zhang.name, zhang.name_pinyin, zhang.name_initials) == ("张三", "zhangsan", "zs")
    assert (zhang.region_code, zhang.address, zhang.ethnicity) == (GRID_A1A, "示范村一组1号", "01")
    assert (zhang.sex, zhang.birth_date.isoformat()) == ("1", "1985-03-12")
    assert zhang.id_number == ID1 and zhang.phone == "13812345678"
    assert zhang.phone_hash == phone_hash("13812345678")
    assert zhang.id_tail4_hash == id_keys(ID1)["id_tail4_hash"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_person WHERE id = %s", [zhang.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert ID1 not in stored_id and "13812345678" not in stored_phone
    card = Card.objects.get(person=zhang)
    assert card.kind == "household" and card.region_code == GRID_A1A
    assert card.attribute_values() == {"household_number": "H001", "relation_to_householder": "01"}
    li = Person.objects.get(id_hash=id_keys(ID2)["id_hash"])
    assert (li.ethnicity, li.phone, li.phone_hash) == ("03", "", "")
    assert Person.objects.count() == 2 and Card.objects.count() == 2
    records = AuditRecord.objects.order_by("id")[before:]
    assert [r.action for r in records] == ["registry.import"]
    assert records[0].detail["creates"] == 2 and records[0].detail["rows"] == 2


def test_sensitive_kind_import_encrypts_attributes_and_schedules(town):
    header = ["姓名", "公民身份号码", "所属网格", "危险性评估等级", "目前诊断类型", "初次发病日期"]
    rows = [["王五", ID3, GRID_A1A, 3, "精神分裂症", "2020/3/1"]]
    response = upload(town, xlsx(header, rows), kind="mental_disorder", dry_run=False)
    assert response.status_code == 201, response.json()
    card = Card.objects.get()
    assert card.attributes == {}
    assert json.loads(card.attributes_secret) == {
        "diagnosis": "01",
        "first_onset_date": "2020-03-01",
    }
    assert card.risk_level == 3
    assert card.next_visit_on == card.opened_on + timedelta(days=14)


def test_dry_run_writes_nothing(town):
    before = AuditRecord.objects.count()
    response = upload(town, xlsx(HEADER, good_rows()), dry_run=True)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["rows"], body["creates"], body["errors"]) == (
        "preview",
        2,
        2,
        [],
    )
    assert Person.objects.count() == 0 and Card.objects.count() == 0
    assert AuditRecord.objects.count() == before
    detail = api_client(town).get(f"/api/v1/registry/imports/{body['id']}/").json()
    assert (detail["status"], detail["creates"], detail["error_report"]) == ("preview", 2, False)
    other = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    assert api_client(other).get(f"/api/v1/registry/imports/{body['id']}/").status_code == 404


def test_row_errors_in_chinese_nothing_committed_and_error_report(town):
    bad_id = ID1[:17] + ("0" if ID1[17] != "0" else "1")
    rows = [
        ["张三", bad_id, "", "", "", GRID_A1A, "", ""],  # checksum
        ["李四", ID2, "", "", "", GRID_B1A, "", "09x"],  # other town + unknown code
        ["", ID3, "12345", "火星族", "", "990101001009009", "", ""],  # many problems
        ["赵六", make_id("19700101", 404), "", "", "", GRID_A1B, "H9", ""],  # fine
    ]
    response = upload(town, xlsx(HEADER, rows), dry_run=False)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "failed" and body["error_rows"] == 3
    errors = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert errors[(2, "公民身份号码")].startswith("校验码错误：按前17位计算最后一位应为")
    assert errors[(3, "所属网格")] == f"网格“{GRID_B1A}”不在您的管辖范围内。"
    assert errors[(3, "与户主关系")] == "“09x”不是代码表“与户主关系”中的有效值。"
    assert errors[(4, "姓名")] == "请填写姓名。"
    assert errors[(4, "民族")] == "“火星族”不是有效的民族。"
    assert errors[(4, "所属网格")] == "区划/网格编码“990101001009009”不存在。"
    assert errors[(4, "联系电话")].startswith("联系电话应为11位手机号码")
    assert not any(row == 5 for row, _col in errors)
    assert Person.objects.count() == 0 and Card.objects.count() == 0
    assert RegistryImport.objects.get(pk=body["id"]).report
    with connection.cursor() as cursor:  # the stored report is encrypted
        cursor.execute("SELECT report FROM registry_registryimport WHERE id = %s", [body["id"]])
        assert "张三" not in cursor.fetchone()[0]
    client = api_client(town)
    report = client.get(f"/api/v1/registry/imports/{body['id']}/errors.xlsx")
    assert report.status_code == 200
    sheet = read_xlsx(report.content)
    assert sheet[0] == [*HEADER, "错误信息"]
    assert sheet[1][:2] == ["张三", bad_id] and sheet[1][-1].startswith("公民身份号码：校验码错误")
    assert sheet[4][0] == "赵六" and sheet[4][-1] in ("", None)
    # Only the importer may download it.
    other = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    assert (
        api_client(other).get(f"/api/v1/registry/imports/{body['id']}/errors.xlsx").status_code
        == 404
    )
    # The corrected report imports as is (the 错误信息 column is ignored).
    fixed = [r[:-1] for r in sheet[1:]]
    fixed[0][1] = ID1
    fixed[1][5], fixed[1][7] = GRID_A1A, "01"
    fixed[2] = ["钱七", ID3, "", "", "", VILLAGE_A1, "", ""]
    again = upload(town, xlsx(sheet[0], fixed), dry_run=False)
    assert again.status_code == 201, again.json()
    assert Person.objects.count() == 4


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.xlsx", "上传的文件是空的。"),
        (b"not a zip at all", "a.xlsx", "无法读取该 Excel 文件，请确认是 .xlsx 格式且未损坏。"),
        (
            b"\xd0\xcf\x11\xe0old",
            "a.xls",
            "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入。",
        ),
        ("姓名,公民身份号码\n张三,1".encode("gbk"), "a.csv", None),
        (b"hello", "a.pdf", "只支持 .xlsx 或 .csv（UTF-8）文件。"),
    ],
)
def test_malformed_files(town, content, name, message):
    response = upload(town, content, name=name, dry_run=False)
    assert response.status_code == 400
    text = response.json()["file"][0]
    if message:
        assert text == message
    else:
        assert text.startswith("CSV 文件不是 UTF-8 编码")
    assert Person.objects.count() == 0


def test_missing_header_and_no_rows(town):
    no_grid = xlsx(["姓名", "公民身份号码"], [["张三", ID1]])
    assert upload(town, no_grid).json()["file"] == ["缺少必填列：所属网格。"]
    no_header = xlsx(["名字", "号码"], [["张三", ID1]])
    assert upload(town, no_header).json()["file"][0].startswith("没有找到表头")
    empty = xlsx(HEADER, [])
    assert upload(town, empty).json()["file"] == ["表格中没有数据行。"]
    extra = xlsx([*HEADER, "备注栏"], [good_rows()[0] + ["x"]])
    assert upload(town, extra).json()["file"][0].startswith("表头中有模板以外的列：备注栏")
    floating = xlsx(HEADER[:6], [good_rows()[0][:6]])
    assert upload(town, floating, kind="floating").json()["file"] == ["缺少必填列：流入原因。"]


def test_csv_utf8_with_bom(town):
    text = f"姓名,公民身份号码,所属网格,户号\n张三,{ID1},{GRID_A1A},H7\n"
    response = upload(town, ("\ufeff" + text).encode(), name="p.csv", dry_run=False)
    assert response.status_code == 201, response.json()
    assert Card.objects.get().attribute_values() == {"household_number": "H7"}


def test_duplicate_in_file_and_permission(town):
    rows = [good_rows()[0], ["张三二", ID1, "", "", "", GRID_A1A, "", ""]]
    body = upload(town, xlsx(HEADER, rows)).json()
    assert body["errors"] == [
        {"row": 3, "column": "公民身份号码", "message": "与第 2 行的公民身份号码重复。"}
    ]
    leader = make_actor(Role.LEADER, TOWN_A)
    assert upload(leader, xlsx(HEADER, good_rows())).status_code == 403


def test_skip_and_update_modes(town):
    existing = make_person(GRID_A1A, "张叁", id_number=ID1, phone="13900001111", address="旧址")
    make_card(existing, CardKind.HOUSEHOLD, {"household_number": "OLD", "householder_name": "张大"})
    rows = good_rows()
    skipped = upload(town, xlsx(HEADER, rows), mode="skip", dry_run=False).json()
    assert (skipped["creates"], skipped["updates"], skipped["skips"]) == (1, 0, 1)
    existing.refresh_from_db()
    assert (existing.name, existing.phone, existing.version) == ("张叁", "13900001111", 1)
    assert Card.objects.get(person=existing).attribute_values()["household_number"] == "OLD"

    rows[1][6] = "H002-NEW"  # 李四 is now registered too
    updated = upload(town, xlsx(HEADER, rows), mode="update", dry_run=False).json()
    assert (updated["creates"], updated["updates"], updated["skips"]) == (0, 2, 0), updated
    existing.refresh_from_db()
    assert (existing.name, existing.name_pinyin, existing.phone) == (
        "张三",
        "zhangsan",
        "13812345678",
    )
    assert existing.phone_hash == phone_hash("13812345678")
    assert existing.address == "示范村一组1号" and existing.version == 2
    card = Card.objects.get(person=existing)
    assert card.attribute_values() == {
        "household_number": "H001",
        "householder_name": "张大",  # empty cells keep stored values
        "relation_to_householder": "01",
    }
    assert card.version == 2
    li = Person.objects.get(id_hash=id_keys(ID2)["id_hash"])
    assert Card.objects.get(person=li).attribute_values()["household_number"] == "H002-NEW"
    assert Card.objects.count() == 2


def test_update_opens_missing_card_and_refuses_moves(town):
    person = make_person(GRID_A1A, "张三", id_number=ID1)
    header = ["姓名", "公民身份号码", "所属网格", "流入原因"]
    ok = upload(
        town,
        xlsx(header, [["张三", ID1, GRID_A1A, "务工"]]),
        kind="floating",
        mode="update",
        dry_run=False,
    )
    assert ok.status_code == 201 and ok.json()["updates"] == 1
    assert Card.objects.get(person=person, kind="floating").attribute_values() == {
        "inflow_reason": "01"
    }
    moved = upload(
        town, xlsx(header, [["张三", ID1, GRID_A1B, "01"]]), kind="floating", mode="update"
    ).json()
    assert moved["errors"][0]["column"] == "所属网格"
    assert "跨网格迁移请走转递流程" in moved["errors"][0]["message"]
    outsider = make_person(GRID_B1A, "赵六")
    far = upload(
        town,
        xlsx(header, [["赵六", outsider.id_number, GRID_A1A, "01"]]),
        kind="floating",
        mode="update",
    ).json()
    assert far["errors"][0]["message"] == "该身份证号已在您的管辖范围以外登记，不能在此更新。"


def test_fast_xlsx_reader_matches_openpyxl():
    import io
    import zipfile
    from datetime import date as day

    from openpyxl import Workbook

    from pingan.registry.imports import fastxlsx, reader

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "公民身份号码", "数", "日期", "是否"])
    sheet.append(["张三", ID1, 12, day(2020, 3, 1), True])
    sheet.append([None, "x", 1.5, None, False])
    sheet.append([])
    sheet.append(["李四", None, None, None, "尾"])
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        fast = [[reader._cell(v) for v in row] for row in fastxlsx.iter_rows(archive)]
    slow = list(reader._openpyxl_rows(content))
    width = max(len(r) for r in slow)
    assert [r + [""] * (width - len(r)) for r in fast] == [
        r + [""] * (width - len(r)) for r in slow
    ]
    assert fast[1] == ["张三", ID1, 12, day(2020, 3, 1), True]


def test_unknown_kind_and_mode(town):
    body = upload(town, xlsx(HEADER, good_rows()), kind="martian").json()
    assert body == {"kind": ["未知的人员类型。"]}
    body = upload(town, xlsx(HEADER, good_rows()), mode="both").json()
    assert body == {"mode": ["“both” 不是合法选项。"]}

"""People export: permission per role and gate, masking, reveal, audit, file header."""

from __future__ import annotations

import pytest

from pingan.audit.models import AuditRecord
from pingan.core.masking import mask_id_number
from tests.registry.factories import GRID_A1A, TOWN_A, api_client
from tests.registry.transfer_helpers import read_xlsx

URL = "/api/v1/registry/exports/people.xlsx"


def _new_audit(before: int) -> list[AuditRecord]:
    return list(AuditRecord.objects.order_by("id")[before:])


def _export(actor, **params):
    return api_client(actor).get(URL, params)


def test_town_export_is_masked_audited_and_signed(world):
    before = AuditRecord.objects.count()
    response = _export(world.town_a)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = read_xlsx(response.content)
    user = world.town_a.user
    assert rows[0][0] == "人员信息导出"
    assert rows[1][0].startswith(f"导出人：{user.full_name or user.username}（{user.username}）")
    assert rows[2][0].startswith("导出时间：")
    assert rows[3][0] == f"范围：{TOWN_A}；类型：全部人员；已脱敏"
    header = rows[5]
    assert header[:6] == ["姓名", "公民身份号码", "联系电话", "民族", "现住址", "所属网格"]
    data = {r[0]: r for r in rows[6:]}
    assert set(data) == {"张三丰", "李四", "王五"}  # town B's 赵六 is out of scope
    assert data["张三丰"][1] == mask_id_number(world.p_a1a.id_number)
    assert data["张三丰"][2] == "138****5678"
    records = _new_audit(before)
    assert [r.action for r in records] == ["registry.export"]
    assert records[0].detail == {"kind": "", "region": TOWN_A, "rows": 3, "reveal": False}


def test_sensitive_kind_export_shows_summary_only_unless_revealed(world):
    masked = read_xlsx(_export(world.county, kind="mental_disorder").content)
    header = masked[5]
    assert "危险性评估等级" in header and "目前诊断类型" not in header
    assert len(masked) == 8  # two patients
    before = AuditRecord.objects.count()
    full = _export(world.county, kind="mental_disorder", reveal="true", reason="年度核查")
    assert full.status_code == 200
    rows = read_xlsx(full.content)
    assert rows[3][0].endswith("完整信息（原因：年度核查）")
    header = rows[5]
    person = {r[0]: dict(zip(header, r, strict=True)) for r in rows[6:]}["张三丰"]
    assert person["公民身份号码"] == world.p_a1a.id_number
    assert person["联系电话"] == "13812345678"
    assert person["目前诊断类型"] == "精神分裂症"
    assert person["监护人联系方式"] == "13700002222"
    assert person["危险性评估等级"] == "3（3级）"
    records = _new_audit(before)
    assert [r.action for r in records] == ["registry.export", "sensitive.reveal"]
    reveal = records[1].detail
    assert reveal["rows"] == 2 and reveal["reason"] == "年度核查" and reveal["export"] is True
    assert {"id_number", "phone", "card.diagnosis", "card.guardian_phone"} <= set(reveal["fields"])


def test_reveal_needs_reason(world):
    response = _export(world.county, reveal="true")
    assert response.status_code == 400
    assert response.json() == {"reason": ["导出完整信息须填写原因。"]}


@pytest.mark.parametrize("who", ["grid_a1a", "village_a1", "leader", "minzheng"])
def test_export_denied_and_audited(world, who):
    actor = getattr(world, who)
    before = AuditRecord.objects.count()
    params = {"kind": "mental_disorder"} if who == "minzheng" else {}
    response = _export(actor, **params)
    assert response.status_code == 403
    records = _new_audit(before)
    assert [(r.action, r.outcome) for r in records] == [("permission.denied", "denied")]


def test_department_exports_only_gated_kind_and_fields(world):
    assert _export(world.weijian).status_code == 400  # kind required
    before = AuditRecord.objects.count()
    assert _export(world.weijian, kind="drug_user").status_code == 403
    assert _new_audit(before)[0].detail["reason"] == "export_gate"
    response = _export(world.weijian, kind="mental_disorder")
    assert response.status_code == 200
    rows = read_xlsx(response.content)
    header = rows[5]
    assert "联系电话" not in header and "目前诊断类型" in header
    person = {r[0]: dict(zip(header, r, strict=True)) for r in rows[6:]}["张三丰"]
    assert person["公民身份号码"] == mask_id_number(world.p_a1a.id_number)
    assert person["目前诊断类型"] == "精神分裂症"
    if "监护人联系方式" in header:
        assert person["监护人联系方式"] == "137****2222"


def test_region_outside_scope_is_404_and_region_filter(world):
    assert _export(world.town_a, region="990101002").status_code == 404
    rows = read_xlsx(_export(world.town_a, region=GRID_A1A).content)
    assert [r[0] for r in rows[6:]] == ["张三丰"]


def test_revealed_export_imports_back(world):
    content = _export(world.town_a, kind="mental_disorder", reveal="true", reason="核对").content
    from tests.registry.transfer_helpers import upload

    body = upload(world.town_a, content, kind="mental_disorder", mode="update").json()
    assert body["errors"] == [] and (body["rows"], body["updates"]) == (1, 1)

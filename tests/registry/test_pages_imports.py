"""Import pages: upload → preview → update/skip choice → commit (all or nothing), error
report, recheck with the other mode, who may import."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pingan.audit.models import AuditRecord
from pingan.registry.models import Card, ImportStatus, Person, RegistryImport
from tests.accounts.factories import sign_in
from tests.registry.factories import GRID_A1A, GRID_A1B, GRID_B1A, make_id
from tests.registry.pages_helpers import html_of
from tests.registry.transfer_helpers import read_xlsx, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "公民身份号码", "联系电话", "所属网格", "户号"]
NEW_ID = make_id("19850312", 101)


def csv_file(rows: list[list[str]], name: str = "people.csv") -> SimpleUploadedFile:
    lines = [",".join(HEADER), *(",".join(row) for row in rows)]
    return SimpleUploadedFile(name, ("\ufeff" + "\n".join(lines) + "\n").encode())


def upload(client, rows, kind: str = "household"):
    return client.post("/registry/imports/", {"kind": kind, "file": csv_file(rows)})


def job_id(response) -> int:
    match = re.fullmatch(r"/registry/imports/(\d+)/", response["Location"])
    assert match, response["Location"]
    return int(match.group(1))


def test_upload_form_lists_templates_per_kind(client, world):
    sign_in(client, world.town_a)
    html = html_of(client.get("/registry/imports/"))
    assert 'id="upload-form"' in html
    assert 'href="/registry/imports/templates/mental_disorder.xlsx"' in html
    response = client.get("/registry/imports/templates/household.xlsx")
    assert response.status_code == 200
    assert read_xlsx(response.content)[0][:3] == ["姓名", "公民身份号码", "联系电话"]
    response = client.get("/registry/imports/templates/household.csv")
    assert response.content.decode("utf-8-sig").startswith("姓名,公民身份号码,联系电话")
    assert client.get("/registry/imports/templates/nothing.xlsx").status_code == 404


def test_preview_then_skip_the_registered_person_then_commit(client, world):
    sign_in(client, world.town_a)
    people_before = Person.objects.count()
    rows = [
        ["孙七", NEW_ID, "13600001111", GRID_A1B, "H100"],
        ["张三丰", world.p_a1a.id_number, "", GRID_A1A, "H001"],
    ]
    response = upload(client, rows)
    assert response.status_code == 302
    preview = job_id(response)
    assert Person.objects.count() == people_before  # a preview writes no resident data
    html = html_of(client.get(f"/registry/imports/{preview}/"))
    assert '<section class="card" id="import-summary" data-status="preview">' in html
    assert '<strong id="count-rows">2</strong>' in html
    assert '<strong id="count-creates">1</strong>' in html
    assert '<strong id="count-registered">1</strong>' in html
    assert 'name="mode" value="update"' in html and 'name="mode" value="skip"' in html
    # The choice is explicit: no mode, no import.
    response = client.post(f"/registry/imports/{preview}/commit/", {})
    assert response.status_code == 400
    assert "请选择已登记人员的处理方式：更新或跳过。" in html_of(response)
    assert Person.objects.count() == people_before
    response = client.post(f"/registry/imports/{preview}/commit/", {"mode": "skip"})
    assert response.status_code == 302
    done = job_id(response)
    job = RegistryImport.objects.get(pk=done)
    assert (job.status, job.result["creates"], job.result["skips"]) == ("committed", 1, 0 + 1)
    new = Person.objects.get(name="孙七")
    assert (new.region_code, new.phone) == (GRID_A1B, "13600001111")
    assert Card.objects.get(person=new).attribute_values() == {"household_number": "H100"}
    assert world.p_a1a.cards.get(kind="household").attribute_values() == {
        "household_number": "H001"
    }
    record = AuditRecord.objects.get(action="registry.import")
    assert (record.detail["creates"], record.detail["skips"]) == (1, 1)
    html = html_of(client.get(f"/registry/imports/{done}/"))
    assert '<p class="message success" id="import-done">' in html
    assert '<strong id="count-creates">1</strong>' in html
    # The staged file is gone: committing the same preview again is refused.
    response = client.post(f"/registry/imports/{preview}/commit/", {"mode": "skip"})
    assert response.status_code == 400
    assert "该预检结果已失效（已导入或已上传新文件），请重新上传文件。" in html_of(response)
    assert Person.objects.filter(name="孙七").count() == 1


def test_update_mode_corrects_the_registered_person(client, world):
    sign_in(client, world.grid_a1a)
    response = upload(client, [["张三丰", world.p_a1a.id_number, "13911112222", GRID_A1A, "H9"]])
    preview = job_id(response)
    response = client.post(f"/registry/imports/{preview}/commit/", {"mode": "update"})
    job = RegistryImport.objects.get(pk=job_id(response))
    assert (job.status, job.result["updates"]) == ("committed", 1)
    person = Person.objects.get(pk=world.p_a1a.pk)
    assert person.phone == "13911112222"
    assert person.cards.get(kind="household").attribute_values() == {"household_number": "H9"}


def test_row_errors_import_nothing_and_give_a_report(client, world):
    sign_in(client, world.town_a)
    bad_id = NEW_ID[:17] + ("1" if NEW_ID[17] != "1" else "2")
    rows = [
        ["孙七", make_id("19900101", 55), "", GRID_A1A, ""],
        ["周八", bad_id, "", GRID_A1A, ""],
        ["吴九", make_id("19900101", 56), "", GRID_B1A, ""],  # town B: not town A's
    ]
    before = Person.objects.count()
    failed = job_id(upload(client, rows))
    assert Person.objects.count() == before
    html = html_of(client.get(f"/registry/imports/{failed}/"))
    assert 'data-status="failed"' in html
    assert '<strong id="count-error-rows">2</strong>' in html
    assert '<td class="num">3</td><td>公民身份号码</td>' in html
    assert f"网格“{GRID_B1A}”不在您的管辖范围内。" in html
    assert 'id="commit-form"' not in html
    report = client.get(f"/registry/imports/{failed}/errors.xlsx")
    assert report.status_code == 200
    sheet = read_xlsx(report.content)
    assert sheet[0][-1] == "错误信息"
    assert sheet[1][0] == "孙七" and sheet[1][-1] in (None, "")
    assert sheet[2][0] == "周八" and sheet[2][-1].startswith("公民身份号码：")
    assert sheet[3][-1] == f"所属网格：网格“{GRID_B1A}”不在您的管辖范围内。"
    # Committing a failed check is refused.
    response = client.post(f"/registry/imports/{failed}/commit/", {"mode": "update"})
    assert response.status_code == 400
    assert Person.objects.count() == before


def test_recheck_with_skip_when_only_registered_rows_fail(client, world):
    sign_in(client, world.town_a)
    # 张三丰 is registered in grid A1a: a different grid in update mode is an error.
    rows = [
        ["孙七", NEW_ID, "", GRID_A1B, ""],
        ["张三丰", world.p_a1a.id_number, "", GRID_A1B, ""],
    ]
    failed = job_id(upload(client, rows))
    html = html_of(client.get(f"/registry/imports/{failed}/"))
    assert "跨网格迁移请走转递流程" in html
    assert 'id="recheck-form"' in html
    response = client.post(f"/registry/imports/{failed}/recheck/", {"mode": "skip"})
    preview = job_id(response)
    job = RegistryImport.objects.get(pk=preview)
    assert (job.status, job.mode, job.result["creates"], job.result["skips"]) == (
        "preview",
        "skip",
        1,
        1,
    )
    # Choosing "update" after all: the commit checks again and imports nothing.
    response = client.post(f"/registry/imports/{preview}/commit/", {"mode": "update"})
    failed_again = job_id(response)
    assert RegistryImport.objects.get(pk=failed_again).status == ImportStatus.FAILED
    assert not Person.objects.filter(name="孙七").exists()
    html = html_of(client.get(f"/registry/imports/{failed_again}/"))
    assert 'id="recheck-form"' in html  # the file is kept for another try
    response = client.post(f"/registry/imports/{failed_again}/recheck/", {"mode": "skip"})
    response = client.post(f"/registry/imports/{job_id(response)}/commit/", {"mode": "skip"})
    assert RegistryImport.objects.get(pk=job_id(response)).status == ImportStatus.COMMITTED
    assert Person.objects.filter(name="孙七").count() == 1
    assert Person.objects.get(pk=world.p_a1a.pk).region_code == GRID_A1A
    # One staged file per user at most, none after the commit.
    assert not RegistryImport.objects.exclude(staged="").exists()


def test_unreadable_file_is_a_field_error(client, world):
    sign_in(client, world.town_a)
    response = client.post(
        "/registry/imports/",
        {"kind": "household", "file": SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0rest")},
    )
    assert response.status_code == 400
    assert "旧版" in html_of(response) or ".xls" in html_of(response)
    assert not RegistryImport.objects.exists()
    response = client.post("/registry/imports/", {"kind": ""})
    html = html_of(response)
    assert "<li>请选择人员类型。</li>" in html
    assert "<li>请选择要导入的 .xlsx 或 .csv 文件。</li>" in html


def test_someone_elses_import_is_404(client, world):
    sign_in(client, world.town_a)
    preview = job_id(upload(client, [["孙七", NEW_ID, "", GRID_A1B, ""]]))
    client.logout()
    sign_in(client, world.county)
    assert client.get(f"/registry/imports/{preview}/").status_code == 404
    assert client.post(f"/registry/imports/{preview}/commit/", {"mode": "skip"}).status_code == 404
    assert not Person.objects.filter(name="孙七").exists()


def test_xlsx_upload_works_too(client, world):
    sign_in(client, world.town_a)
    content = xlsx(HEADER, [["孙七", NEW_ID, "", GRID_A1B, "H1"]])
    response = client.post(
        "/registry/imports/",
        {"kind": "household", "file": SimpleUploadedFile("people.xlsx", content)},
    )
    preview = job_id(response)
    html = html_of(client.get(f"/registry/imports/{preview}/"))
    assert '<strong id="count-creates">1</strong>' in html
    assert 'id="mode-choice"' not in html  # nobody is registered yet: nothing to choose
    response = client.post(f"/registry/imports/{preview}/commit/", {"mode": "update"})
    assert RegistryImport.objects.get(pk=job_id(response)).status == "committed"


@pytest.mark.parametrize("who", ["leader", "weijian"])
def test_leaders_and_departments_cannot_import(client, world, who):
    sign_in(client, getattr(world, who))
    response = client.get("/registry/imports/")
    assert response.status_code == 403
    assert upload(client, [["孙七", NEW_ID, "", GRID_A1B, ""]]).status_code == 403
    assert not RegistryImport.objects.exists()
    assert not Person.objects.filter(name="孙七").exists()
    assert 'href="/registry/imports/"' not in html_of(client.get("/registry/"))

"""The /calendar/ admin page: access, month grid, two-step import, single-day edits."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.workdays.models import SpecialDay, YearSchedule
from tests.factories import make_actor
from tests.workdays.factories import SCHEDULE_2027, sign_in, system_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    sign_in(client, system_admin())
    return client


def upload(client, text, year=2027, name="2027.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/calendar/import/", {"year": year, "file": SimpleUploadedFile(name, data, "text/csv")}
    )


def test_index_lists_years_with_status(admin_client):
    page = admin_client.get("/calendar/")
    assert page.status_code == 200
    html = page.content.decode()
    row_2027 = re.search(r'<tr id="year-2027">(.*?)</tr>', html, re.S).group(1)
    assert "暂定" in row_2027 and "按法定节日推算" in row_2027
    row_2025 = re.search(r'<tr id="year-2025">(.*?)</tr>', html, re.S).group(1)
    assert "正式" in row_2025 and "chinesecalendar" in row_2025
    assert 'id="year-2004"' in html
    assert page.context["nav_active"] == "calendar"


@pytest.mark.parametrize("role", [Role.COUNTY_OPERATOR, Role.SECURITY_ADMIN, Role.AUDITOR])
def test_other_roles_get_403_and_the_denial_is_audited(client, role):
    actor = make_actor(role, "990101")
    sign_in(client, actor)
    for method, url in [
        ("get", "/calendar/"),
        ("get", "/calendar/2025/"),
        ("get", "/calendar/2025/export.csv"),
        ("post", "/calendar/2027/day/"),
        ("post", "/calendar/import/confirm/"),
    ]:
        assert getattr(client, method)(url).status_code == 403
    assert AuditRecord.objects.filter(action="permission.denied", actor=actor.user).count() == 5


def test_anonymous_is_sent_to_login(client):
    response = client.get("/calendar/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_month_grid_marks_holidays_and_make_up_days(admin_client):
    html = admin_client.get("/calendar/2025/").content.decode()

    def cell(day):
        return re.search(rf'<td class="([^"]+)" data-date="{day}" data-kind="(\w+)"', html).groups()

    assert cell("2025-10-01") == ("cal-day-holiday", "holiday")
    assert cell("2025-10-11") == ("cal-day-makeup", "makeup")
    assert cell("2025-09-28") == ("cal-day-makeup", "makeup")
    assert cell("2025-10-12") == ("cal-day-weekend", "weekend")
    assert cell("2025-10-09") == ("cal-day-workday", "workday")
    assert 'title="中秋节"' in html
    assert "provisional-notice" not in html
    assert admin_client.get("/calendar/2100/").status_code == 404


def test_year_without_data_says_so(admin_client):
    html = admin_client.get("/calendar/2027/").content.decode()
    assert "尚未录入该年的正式安排" in html


def test_upload_with_errors_shows_them_per_line_and_changes_nothing(admin_client):
    before = SpecialDay.objects.count()
    page = upload(admin_client, "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-04,班,元旦\n")
    assert page.status_code == 200
    html = page.content.decode()
    assert "发现 1 处错误，未做任何改动" in html
    assert "<td>第 3 行</td><td>调休上班日必须是周六或周日，2027-01-04 是星期一</td>" in html
    assert "import-confirm" not in html
    assert SpecialDay.objects.count() == before
    assert not YearSchedule.objects.filter(year=2027).exists()


def test_upload_preview_then_confirm_imports_the_year(
    admin_client, recomputed, django_capture_on_commit_callbacks
):
    page = upload(admin_client, SCHEDULE_2027)
    html = page.content.decode()
    assert "检查通过" in html and "文件共 31 天。" in html
    assert not YearSchedule.objects.filter(year=2027).exists()  # preview writes nothing
    added = [(str(d), k, n) for d, k, n in page.context["changes"]["added"]]
    # The 13 rule-based days are all in the file: 18 days are new, none removed.
    assert ("2027-02-20", "workday", "春节") in added and len(added) == 18
    assert page.context["changes"]["removed"] == []
    form = page.context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/calendar/import/confirm/",
            {"year": 2027, "filename": "2027.csv", "content": form.initial["content"]},
            follow=True,
        )
    assert response.redirect_chain == [("/calendar/2027/", 302)]
    assert "已导入 2027 年的正式安排：27 个放假日，4 个调休上班日。" in response.content.decode()
    assert YearSchedule.objects.get(year=2027).status == "official"
    assert recomputed == [2027]


def test_tampered_confirmation_is_checked_again(admin_client):
    response = admin_client.post(
        "/calendar/import/confirm/",
        {"year": 2027, "filename": "x.csv", "content": "2027-01-05,workday,元旦\n"},
    )
    assert response.status_code == 200
    assert "调休上班日必须是周六或周日" in response.content.decode()
    assert not YearSchedule.objects.filter(year=2027).exists()


def test_single_day_edit_and_confirm(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/calendar/2027/day/",
            {"date": "2027-02-20", "action": "workday", "name": "春节"},
            follow=True,
        )
    assert "已保存 2027-02-20。" in response.content.decode()
    assert SpecialDay.objects.get(date=dt.date(2027, 2, 20)).kind == "workday"
    assert "确认为正式安排" in response.content.decode()

    bad = admin_client.post(
        "/calendar/2027/day/", {"date": "2027-02-22", "action": "workday", "name": "春节"}
    )
    assert "调休上班日必须是周六或周日，2027-02-22 是星期一" in bad.content.decode()
    other_year = admin_client.post(
        "/calendar/2027/day/", {"date": "2026-02-22", "action": "holiday", "name": "x"}
    )
    assert other_year.context["day_form"].errors["date"] == ["日期必须在 2027 年内"]
    no_name = admin_client.post(
        "/calendar/2027/day/", {"date": "2027-02-21", "action": "holiday", "name": ""}
    )
    assert no_name.context["day_form"].errors["name"] == ["请填写名称（如“国庆节”）"]

    admin_client.post("/calendar/2027/day/", {"date": "2027-02-20", "action": "normal"})
    assert not SpecialDay.objects.filter(date=dt.date(2027, 2, 20)).exists()
    admin_client.post("/calendar/2027/confirm/")
    assert YearSchedule.objects.get(year=2027).status == "official"


def test_export_csv(admin_client):
    response = admin_client.get("/calendar/2025/export.csv")
    assert response["Content-Disposition"] == 'attachment; filename="calendar-2025.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "date,kind,name" and "2025-10-11,workday,国庆节" in lines
    assert len(lines) == 34


def test_django_admin_shows_the_tables_read_only(client):
    sign_in(client, system_admin())
    listing = client.get("/admin/workdays/specialday/?year=2025")
    assert listing.status_code == 200
    assert "国庆节" in listing.content.decode()
    assert client.get("/admin/workdays/yearschedule/").status_code == 200
    assert client.get("/admin/workdays/specialday/add/").status_code == 403
    day = SpecialDay.objects.get(date=dt.date(2025, 10, 11))
    assert (
        client.post(f"/admin/workdays/specialday/{day.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert SpecialDay.objects.filter(pk=day.pk).exists()

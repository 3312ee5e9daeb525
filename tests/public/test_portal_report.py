"""Citizen portal: reporting (form, photos, idempotency, result page, anti-abuse)."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.events.models import EventCategory
from pingan.events.models_extra import Attachment
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Case
from pingan.notify.models import Notification
from pingan.public.models import PublicReport
from pingan.public.portal import services as portal_services
from pingan.public.portal.models import PortalSubmission
from pingan.public.portal.selectors import county_for_point
from pingan.public.portal.services import RESULT_SHOWN, portal_report_submit, result_code
from pingan.public.selectors import find_public_case
from pingan.regions.lookup import reset_grid_index
from tests.factories import RegionFactory, region_chain, square
from tests.flow.factories import COUNTY, G1, IN_G1, VILLAGE
from tests.public.portal_helpers import (
    GIF,
    JPEG,
    PHONE,
    PNG,
    form_token,
    only_case,
    photo,
    post_report,
    report_data,
    submitted_code,
)

COUNTY2, G4 = "990102", "990102001001001"
IN_G4 = (102.905, 25.005)


@pytest.fixture
def portal(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return world


@pytest.fixture
def two_counties(portal):
    village = region_chain(G4[:12])
    RegionFactory(code=G4, parent=village, geometry=square(102.90, 25.00))
    reset_grid_index()
    return portal


def nothing_saved(settings) -> None:
    assert not Case.objects.exists()
    assert not PublicReport.objects.exists()
    assert not PortalSubmission.objects.exists()
    assert not Attachment.objects.exists()
    assert not Notification.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_report_end_to_end(portal, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_report(client)
    assert (response.status_code, response["Location"]) == (302, "/portal/report/done/")
    number, code = submitted_code(client)
    case = only_case()
    report = case.public_report
    assert case.number == number
    assert (case.region_code, case.holder_code, case.category_code) == (G1, VILLAGE, "0204")
    assert (report.channel, report.phone, report.name) == ("portal", PHONE, "王女士")
    assert case.event.description == "楼道里的路灯坏了一个月，晚上很黑。"
    assert find_public_case(number, code) == case
    sms = Notification.objects.get(topic="public.received")
    assert (sms.phone, sms.case_number, sms.status) == (PHONE, number, "sent")
    assert number in sms.body and code in sms.body
    audit = AuditRecord.objects.get(action="case.report", object_id=number)
    assert audit.actor_username == "public:portal"
    # The reporter's browser may open the case page straight from the result page.
    page = client.get(f"/portal/case/{number}/")
    assert page.status_code == 200
    assert "已登记，等待受理" in page.content.decode()


def test_reloading_the_result_page_does_not_submit_again(portal, client):
    post_report(client)
    first = submitted_code(client)
    assert submitted_code(client) == first
    assert Case.objects.count() == 1


def test_form_offers_active_categories_grouped_by_parent(portal, client):
    EventCategory.objects.filter(code="0205").update(active=False)
    html = client.get("/portal/report/").content.decode()
    group = re.search(r'<optgroup label="矛盾劝解">(.*?)</optgroup>', html, re.S).group(1)
    assert '<option value="0204">邻里纠纷</option>' in group
    assert 'value="0205"' not in html
    assert (
        '<optgroup label="其他类别">' in html and '<option value="05">社情民意收集</option>' in html
    )
    # One county in this installation: no county choice to make.
    assert 'name="county"' not in html
    assert 'name="website"' in html and 'tabindex="-1"' in html


@pytest.mark.parametrize(
    ("over", "field_message"),
    [
        ({"category": ""}, "请选择问题类别。"),
        ({"category": "nope"}, "请选择有效的问题类别。"),
        ({"category": "0205x"}, "请选择有效的问题类别。"),
        ({"description": "  "}, "请描述您反映的问题。"),
        ({"description": "长" * 2001}, "问题描述不能超过 2000 字"),
        ({"phone": ""}, "请填写手机号码，用于接收查询码和办理进展短信。"),
        ({"phone": "12345"}, "请填写11位手机号码。"),
        ({"phone": "0871-12345678"}, "请填写11位手机号码。"),
        ({"lat": "", "lng": "", "address": ""}, "请在地图上选择位置，或填写问题发生的地址。"),
        ({"lat": "abc"}, "位置坐标无效，请在地图上重新选点。"),
        ({"lat": "95", "lng": "102"}, "位置坐标无效，请在地图上重新选点。"),
        ({"lat": "25.0", "lng": "abc"}, "位置坐标无效，请在地图上重新选点。"),
        ({"lat": "", "lng": "102.7"}, "位置坐标无效，请在地图上重新选点。"),
        ({"address": "址" * 201}, "地址不能超过 200 字。"),
        ({"name": "名" * 51}, "称呼不能超过 50 字。"),
        ({"idem": "short"}, "表单已失效，请刷新页面后重新填写。"),
    ],
)
def test_field_errors_in_chinese_and_nothing_saved(portal, client, settings, over, field_message):
    response = post_report(client, **over)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    nothing_saved(settings)


def test_address_only_report_goes_to_the_county(portal, client):
    response = post_report(client, lat="", lng="", address="示范县人民路 8 号")
    assert response.status_code == 302
    case = only_case()
    assert (case.holder_code, case.event.outside_grid, case.event.lat) == (COUNTY, True, None)


def test_with_several_counties_the_point_decides_else_the_chosen_county(two_counties, client):
    html = client.get("/portal/report/").content.decode()
    assert '<option value="990101">区划990101</option>' in html
    assert '<option value="990102">区划990102</option>' in html
    # The point lies in a grid of the second county: that county takes it, whatever was chosen.
    post_report(client, lng=str(IN_G4[0]), lat=str(IN_G4[1]), county=COUNTY)
    assert only_case().region_code == G4
    # Address only: the county must be chosen, and only an existing one.
    response = post_report(client, lat="", lng="", address="人民路 8 号")
    assert response.status_code == 400
    assert "只填写地址时，请选择所在县（市、区）。" in response.content.decode()
    response = post_report(client, lat="", lng="", address="人民路 8 号", county="990199")
    assert "请选择有效的县（市、区）。" in response.content.decode()
    assert Case.objects.count() == 1
    response = post_report(client, lat="", lng="", address="人民路 8 号", county=COUNTY2)
    assert response.status_code == 302
    newest = Case.objects.order_by("-id").first()
    assert (newest.holder_code, newest.event.outside_grid) == (COUNTY2, True)


def test_point_outside_grids_and_counties_needs_an_address_and_county(two_counties, client):
    response = post_report(client, lng="110.0", lat="30.0")
    assert response.status_code == 400
    assert "所选位置不在本平台受理范围内" in response.content.decode()
    assert not Case.objects.exists()


def test_a_point_inside_a_county_outline_but_no_grid_finds_that_county(two_counties):
    from pingan.regions.models import Region

    Region.objects.filter(code=COUNTY2).update(geometry=square(103.0, 25.0, 1.0))
    assert county_for_point(103.5, 25.5) == COUNTY2
    assert county_for_point(IN_G1[0], IN_G1[1]) == COUNTY
    assert county_for_point(110.0, 30.0) is None


def test_double_submit_keeps_one_case(portal, client):
    data = report_data(client)
    first = client.post("/portal/report/", data)
    second = client.post("/portal/report/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == "/portal/report/done/"
    assert Case.objects.count() == 1 and PortalSubmission.objects.count() == 1
    assert Notification.objects.filter(topic="public.received").count() == 1
    assert submitted_code(client)[0] == only_case().number


def test_the_same_token_at_the_service_returns_the_first_case(portal):
    data = {"category": "0204", "description": "路灯坏了", "lng": IN_G1[0], "lat": IN_G1[1]}
    token = "t" * 32
    first, created = portal_report_submit(token=token, county=COUNTY, data=data, phone=PHONE)
    again, created_again = portal_report_submit(token=token, county=COUNTY, data=data, phone=PHONE)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and Case.objects.count() == 1


def test_service_errors_land_on_the_form_fields(portal, client, settings, monkeypatch):
    def refuse(**kwargs):
        raise ActionInvalid({"lat": ["事件位置不在本辖区范围内。"], "unit": ["接收单位不对。"]})

    monkeypatch.setattr(portal_services, "public_report_submit", refuse)
    response = post_report(client)
    html = response.content.decode()
    assert response.status_code == 400
    assert "事件位置不在本辖区范围内。" in html and "接收单位不对。" in html
    nothing_saved(settings)


def test_photos_are_stored_with_the_case_and_shown_to_the_reporter(portal, client):
    response = post_report(client, photos=[photo("a.jpg", JPEG), photo("b.png", PNG, "image/png")])
    assert response.status_code == 302
    case = only_case()
    rows = list(Attachment.objects.filter(case=case).order_by("id"))
    assert [(r.content_type, r.size, r.uploaded_by_id) for r in rows] == [
        ("image/jpeg", len(JPEG), None),
        ("image/png", len(PNG), None),
    ]
    audit = AuditRecord.objects.get(action="case.attachment_add", object_id=case.number)
    assert audit.actor_username == "public:portal"
    page = client.get(f"/portal/case/{case.number}/").content.decode()
    for row in rows:
        assert f"/portal/case/{case.number}/photos/{row.pk}/" in page
    image = client.get(f"/portal/case/{case.number}/photos/{rows[0].pk}/")
    assert image.status_code == 200 and b"".join(image.streaming_content) == JPEG
    assert (image["Content-Type"], image["X-Content-Type-Options"]) == ("image/jpeg", "nosniff")
    # Another browser without the code sees nothing.
    assert Client().get(f"/portal/case/{case.number}/photos/{rows[0].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("x.gif", GIF, "image/gif")], "不是允许的文件类型，只能上传 JPEG、PNG、WebP 图片。"),
        ([("x.png", JPEG, "image/png")], "的扩展名与文件内容不符。"),
        ([("x.pdf", b"%PDF-1.4" + b"\x00" * 20, "application/pdf")], "不是允许的文件类型"),
        ([("x.jpg", b"", "image/jpeg")], "是空文件。"),
        ([("big.jpg", JPEG + b"\x00" * 200, "image/jpeg")], "超过大小上限 200 B。"),
        ([(f"{i}.jpg", JPEG, "image/jpeg") for i in range(4)], "最多上传 3 张照片。"),
    ],
)
def test_bad_photos_are_refused_and_nothing_saved(portal, client, settings, files, message):
    settings.PINGAN_PORTAL_PHOTO_MAX_BYTES = 200
    response = post_report(client, photos=[photo(*f) for f in files])
    assert response.status_code == 400
    assert message in response.content.decode()
    nothing_saved(settings)


def test_honeypot_is_refused_with_a_400_and_audited(portal, client, settings):
    response = post_report(client, website="http://spam.example")
    assert response.status_code == 400
    assert "提交未被受理" in response.content.decode()
    nothing_saved(settings)
    audit = AuditRecord.objects.get(action="public.portal_refused")
    assert (audit.actor_username, audit.outcome, audit.detail["reason"]) == (
        "public:portal",
        "denied",
        "honeypot",
    )


def test_an_oversized_request_is_refused_before_reading_it(portal, client, settings):
    settings.PINGAN_PORTAL_MAX_REQUEST_BYTES = 2000
    response = post_report(client, photos=[photo("a.jpg", JPEG + b"\x00" * 3000)])
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()
    nothing_saved(settings)
    audit = AuditRecord.objects.get(action="public.portal_refused")
    assert audit.detail["reason"] == "too_large" and audit.detail["bytes"] > 2000


def test_report_form_needs_the_csrf_token(portal, settings):
    client = Client(enforce_csrf_checks=True)
    data = report_data(client)
    assert client.post("/portal/report/", data).status_code == 403
    nothing_saved(settings)
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    assert client.post("/portal/report/", data).status_code == 302
    assert Case.objects.count() == 1


def test_result_page_needs_the_browser_that_reported(portal, client):
    post_report(client)
    assert Client().get("/portal/report/done/")["Location"] == "/portal/track/"


def test_result_page_stops_showing_the_code_after_an_hour(portal):
    data = {"category": "0204", "description": "路灯坏了", "lng": IN_G1[0], "lat": IN_G1[1]}
    submission, _ = portal_report_submit(token="u" * 32, county=COUNTY, data=data, phone=PHONE)
    assert len(result_code(submission)) == 6
    later = submission.created_at + RESULT_SHOWN + RESULT_SHOWN / 60
    assert result_code(submission, now=later) == ""


def test_form_token_is_fresh_for_every_form(portal, client):
    assert form_token(client) != form_token(client)


def test_county_outlines_are_public_and_hold_no_grids(portal, client):
    from pingan.regions.models import Region

    Region.objects.filter(code=COUNTY).update(
        geometry=square(102.6, 24.9, 0.5),
        centroid_lng=102.85,
        centroid_lat=25.15,
        updated_at=timezone.now(),
    )
    response = Client().get("/portal/map/counties.geojson")
    assert response.status_code == 200
    data = response.json()
    assert [f["id"] for f in data["features"]] == [COUNTY]
    assert data["centroid"] == [102.85, 25.15]
    assert G1 not in response.content.decode()
    # A saved county (new outline) is served at once, not from the cache.
    county = Region.objects.get(code=COUNTY)
    county.geometry = square(102.0, 24.0, 0.5)
    county.save()
    data = Client().get("/portal/map/counties.geojson").json()
    assert data["features"][0]["geometry"]["coordinates"][0][0] == [102.0, 24.0]


def test_staff_see_citizen_photos_as_uploaded_by_the_public(portal, client):
    from tests.accounts.factories import sign_in
    from tests.flow.factories import api_client

    post_report(client, photos=[photo("a.jpg", JPEG)])
    case = only_case()
    rows = api_client(portal.village).get(f"/api/v1/cases/{case.number}/attachments/").json()
    assert [(r["uploaded_by"], r["content_type"]) for r in rows] == [("群众", "image/jpeg")]
    staff = Client()
    sign_in(staff, portal.village)
    page = staff.get(f"/command/cases/{case.number}/")
    assert page.status_code == 200
    assert "上传 1 个附件：a.jpg" in page.content.decode()

"""The hotline operator page: taking a call, duplicate hints, the caller's history, roles."""

import re

import pytest

from pingan.audit.models import AuditRecord
from pingan.events.models import EventDetail
from pingan.flow.models import Case
from pingan.notify.models import Notification
from pingan.public.models import PublicReport
from tests.accounts.factories import sign_in
from tests.flow.factories import G1, IN_G1, IN_G3, OUTSIDE, VILLAGE, report
from tests.public.callcentre_helpers import CALLER, OTHER_CALLER, portal_case

PAGE = "/hotline/"


def call_data(client, **over) -> dict:
    page = client.get(PAGE)
    assert page.status_code == 200
    idem = re.search(r'name="idem" value="([0-9a-f]+)"', page.content.decode()).group(1)
    data = {
        "idem": idem,
        "phone": CALLER,
        "name": "李先生",
        "category": "0204",
        "description": "小区门口路灯不亮已经三天",
        "address": "示范村三组 12 号",
        "lng": str(IN_G1[0]),
        "lat": str(IN_G1[1]),
        "unit": "",
        "urgency": "low",
    }
    data.update(over)
    return data


def test_a_call_becomes_a_hotline_case_with_public_report_and_sms(
    client, world, django_capture_on_commit_callbacks
):
    sign_in(client, world.town)
    data = call_data(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, data)
    assert response.status_code == 200
    case = Case.objects.get()
    detail = EventDetail.objects.get(case=case)
    assert (detail.reporter_kind, detail.reporter_id, case.holder_code, case.region_code) == (
        "hotline",
        world.town.user.pk,
        VILLAGE,
        G1,
    )
    public = PublicReport.objects.get(case=case)
    assert (public.channel, public.phone, public.name) == ("hotline", CALLER, "李先生")
    sms = Notification.objects.get(topic="public.received")
    code = re.search(r"查询码 (\d{6})", sms.body).group(1)
    assert (sms.phone, sms.status, sms.case_number) == (CALLER, "sent", case.number)
    html = response.content.decode()
    assert f'href="/command/cases/{case.number}/"' in html
    assert f'<strong class="mono" id="query-code">{code}</strong>' in html
    # The operator's page gets a fresh, empty form for the next call.
    assert data["idem"] not in html and "小区门口路灯不亮已经三天" not in html


def test_the_same_form_sent_twice_registers_the_call_once(client, world):
    sign_in(client, world.county)
    data = call_data(client)
    assert client.post(PAGE, data).status_code == 200
    again = client.post(PAGE, data, HTTP_HX_REQUEST="true")
    assert again.status_code == 200
    assert "该来电已登记过" in again.content.decode()
    assert (Case.objects.count(), PublicReport.objects.count()) == (1, 1)
    assert Notification.objects.filter(topic="public.received").count() == 1


def test_bad_input_is_shown_per_field_and_nothing_is_saved(client, world):
    sign_in(client, world.town)
    data = call_data(client, category="", description="  ", lng="", lat="", phone="12345")
    response = client.post(PAGE, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response.context["errors"] == {"phone": ["请填写11位手机号码。"]}
    data["phone"] = ""
    response = client.post(PAGE, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    # No point, no grid and an address the platform cannot place: a receiving unit is due.
    assert set(response.context["errors"]) == {"category", "description", "address", "unit"}
    assert response.context["values"]["address"] == "示范村三组 12 号"
    assert not Case.objects.exists() and not PublicReport.objects.exists()
    assert not Notification.objects.exists()


def test_a_point_outside_every_grid_needs_a_receiving_unit(client, world):
    sign_in(client, world.county)
    data = call_data(client, lng=str(OUTSIDE[0]), lat=str(OUTSIDE[1]))
    response = client.post(PAGE, data)
    assert response.status_code == 400
    assert list(response.context["errors"]) == ["unit"]
    data["unit"] = "990101001"
    response = client.post(PAGE, data)
    assert response.status_code == 200
    case = Case.objects.get()
    assert (case.holder_code, case.event.outside_grid) == ("990101001", True)


@pytest.mark.parametrize(
    "who", ["grid_worker", "village", "police", "zhujian", "leader"], ids=lambda w: w
)
def test_other_roles_get_403_and_nothing_changes(client, world, who):
    actor = getattr(world, who)
    sign_in(client, actor)
    data = {"phone": CALLER, "category": "0204", "description": "路灯坏了", "lng": "102.705"}
    for method, url in [
        ("get", PAGE),
        ("post", PAGE),
        ("get", "/hotline/hints/"),
        ("get", "/hotline/history/"),
        ("post", "/hotline/contacts/"),
    ]:
        assert getattr(client, method)(url, data).status_code == 403
    assert not Case.objects.exists()
    denied = AuditRecord.objects.filter(
        action="permission.denied", object_id="hotline", actor_username=actor.user.username
    )
    assert denied.count() == 5


def test_signed_out_visitors_are_sent_to_the_login_page(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_operators_see_the_page_with_the_call_centre_navigation(client, world):
    for actor in (world.town, world.county, world.commander):
        sign_in(client, actor)
        response = client.get(PAGE)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'href="/hotline/" class="active"' in html
        assert 'href="/callbacks/"' in html
        assert f'<option value="{G1}">' in html


def test_duplicate_hints_show_similar_open_events_nearby(client, world):
    near = report(world.grid_worker, description="小区门口的路灯不亮了")
    report(world.grid_worker, description="河道里有人倾倒建筑垃圾")
    report(world.grid_worker, point=IN_G3, description="小区门口的路灯不亮了")
    sign_in(client, world.town)
    params = {"lng": IN_G1[0], "lat": IN_G1[1], "description": "小区门口路灯不亮"}
    response = client.get("/hotline/hints/", params)
    assert response.status_code == 200
    assert [h.case.number for h in response.context["hints"]] == [near.number]
    assert near.number in response.content.decode()
    # No point, or a point outside every grid: no hints (and no error).
    for point in ({}, {"lng": OUTSIDE[0], "lat": OUTSIDE[1]}):
        response = client.get("/hotline/hints/", {"description": "小区门口路灯不亮", **point})
        assert response.context["hints"] == []
    # Another town's operator does not see the case, so gets no hint about it.
    sign_in(client, world.town2)
    assert client.get("/hotline/hints/", params).context["hints"] == []


def test_closed_and_dissimilar_events_are_not_hinted(client, world):
    sign_in(client, world.town)
    report(world.grid_worker, description="两户因排水沟堵塞发生争执")
    response = client.get(
        "/hotline/hints/", {"lng": IN_G1[0], "lat": IN_G1[1], "description": "小区门口路灯不亮"}
    )
    assert response.context["hints"] == []
    assert "附近 7 天内没有相似的未结事件" in response.content.decode()


def test_caller_history_lists_cases_from_that_phone_in_scope_masked(client, world):
    mine = portal_case(phone=CALLER)
    portal_case(phone=OTHER_CALLER, description="另一个号码反映的问题")
    portal_case(phone=CALLER, point=IN_G3, description="另一个乡镇的问题")
    sign_in(client, world.town)
    response = client.get("/hotline/history/", {"phone": "138 1234 5678"})
    rows = response.context["rows"]
    assert [(r.number, r.phone_masked, r.channel_label) for r in rows] == [
        (mine.number, "138****5678", "网上平台")
    ]
    html = response.content.decode()
    assert CALLER not in html and "138****5678" in html
    # A county operator sees both of the caller's cases; a bad number finds nothing.
    sign_in(client, world.county)
    assert len(client.get("/hotline/history/", {"phone": CALLER}).context["rows"]) == 2
    assert client.get("/hotline/history/", {"phone": "1381234"}).context["rows"] == []

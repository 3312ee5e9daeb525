"""The grid worker app's pages: sign-in, my grids with task counts, report form, tasks."""

import re

import pytest
from django.test import Client

from pingan.regions.models import Region
from tests.accounts.factories import sign_in
from tests.flow.factories import G1, G2, TOWN, VILLAGE, act, report

pytestmark = pytest.mark.django_db
PAGES = ["/m/", "/m/report/", "/m/tasks/"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize(
    ("url", "heading"), [("/m/", "我的网格"), ("/m/report/", "上报事件"), ("/m/tasks/", "我的任务")]
)
def test_pages_render_for_a_grid_worker(worker_client, url, heading):
    response = worker_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<div class="m-title">{heading}</div>' in html
    assert '<link rel="manifest" href="/m/manifest.webmanifest">' in html
    assert 'data-sw="/m/sw.js" data-scope="/m/"' in html
    # The CSRF token the outbox sends with session-authenticated API calls.
    assert re.search(r'data-csrf="[A-Za-z0-9]{64}"', html)


def test_my_grid_shows_the_grid_its_village_town_and_open_tasks(world, worker_client):
    # One case assigned down to G1 (todo for the worker), one still at the village (not).
    case = act(world.village, report(world.grid_worker), "accept")
    act(world.village, case, "assign", unit=G1)
    report(world.grid_worker)
    html = worker_client.get("/m/").content.decode()
    names = dict(Region.objects.filter(code__in=[G1, VILLAGE, TOWN]).values_list("code", "name"))
    assert f"<h2>{names[G1]}</h2>" in html
    assert f'<dd class="mono">{G1}</dd>' in html
    assert f"<dd>{names[VILLAGE]}</dd>" in html
    assert f"<dd>{names[TOWN]}</dd>" in html
    assert re.findall(r"<strong data-open-tasks>(\d+)</strong>", html) == ["1"]


def test_a_worker_with_two_grids_sees_both_with_their_own_counts(world, worker_client):
    from tests.factories import PositionFactory

    second = PositionFactory(
        user=world.grid_worker.user, role="grid_worker", region=Region.objects.get(code=G2)
    )
    case = act(world.village, report(world.grid_worker2, point=(102.715, 25.005)), "accept")
    act(world.village, case, "assign", unit=G2)
    html = worker_client.get("/m/").content.decode()
    assert re.findall(r'<dd class="mono">(\d+)</dd>', html) == [G1, G2]
    assert re.findall(r"<strong data-open-tasks>(\d+)</strong>", html) == ["0", "1"]
    # The session acts as the first position; the other grid offers the position switch.
    assert html.count('href="/accounts/position/"') == 1
    assert second.pk


def test_a_non_grid_worker_is_told_there_is_no_grid(world):
    client = Client()
    sign_in(client, world.village)
    html = client.get("/m/").content.decode()
    assert "没有网格员岗位" in html
    assert "data-open-tasks" not in html


def test_report_form_lists_the_receiving_units_and_the_category_endpoint(world, worker_client):
    html = worker_client.get("/m/report/").content.decode()
    assert 'data-categories="/api/v1/events/categories/"' in html
    assert 'data-endpoint="/api/v1/events/"' in html
    names = dict(Region.objects.filter(code__in=[VILLAGE, TOWN]).values_list("code", "name"))
    options = re.findall(r'<option value="(\d+)">', html)
    assert options == [VILLAGE, TOWN]
    assert f"{names[VILLAGE]}（{VILLAGE}）" in html


def test_photo_input_only_when_the_events_api_takes_photos(worker_client, monkeypatch):
    from pingan.mobile import views

    monkeypatch.setattr(views, "photos_supported", lambda: False)
    html = worker_client.get("/m/report/").content.decode()
    assert 'id="photos-unsupported"' in html
    assert 'type="file"' not in html
    monkeypatch.setattr(views, "photos_supported", lambda: True)
    html = worker_client.get("/m/report/").content.decode()
    assert '<input id="photos" type="file" accept="image/*" capture="environment" multiple>' in html
    assert 'data-photos="1"' in html


def test_tasks_page_points_at_the_todo_inbox(worker_client):
    html = worker_client.get("/m/tasks/").content.decode()
    assert 'data-list="/api/v1/cases/?inbox=todo&amp;limit=100"' in html
    assert 'data-detail="/api/v1/cases/"' in html

"""Home page per role: positions, region with sub-regions and grid counts, drill-down scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit.models import AuditRecord
from tests.factories import (
    DepartmentFactory,
    PositionFactory,
    UserFactory,
    make_actor,
    region_chain,
)
from tests.web.factories import (
    COUNTY,
    GRIDS_A1,
    GRIDS_B1,
    TOWN_A,
    TOWN_B,
    VILLAGE_A1,
    VILLAGE_A2,
    VILLAGE_B1,
    area,
    build_county,
    sign_in,
)

pytestmark = pytest.mark.django_db


def rows(response):
    return [(row.region.code, row.grid_count) for row in response.context["sub_regions"]]


def test_anonymous_is_sent_to_login():
    from django.test import Client

    client = Client()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_town_operator_sees_its_villages_with_exact_grid_counts(client):
    build_county()
    actor = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    sign_in(client, actor)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["region"].code == TOWN_A
    assert rows(response) == [(VILLAGE_A1, 3), (VILLAGE_A2, 2)]
    assert response.context["grid_total"] == 5
    assert response.context["show_grid_counts"] is True
    html = response.content.decode()
    assert "本镇村/社区" in html
    assert "甲一村" in html and "甲二社区" in html
    assert "乙一村" not in html  # the neighbour town's village
    assert f'href="?region={VILLAGE_A1}"' in html
    assert 'id="grid-map"' in html
    assert f"/map/grids.geojson?region={TOWN_A}" in html


@pytest.mark.parametrize("code", [TOWN_B, VILLAGE_A1[:-3] + "999", COUNTY, "99", "x' OR 1=1"])
def test_town_operator_cannot_open_regions_outside_its_town(client, code):
    build_county()
    sign_in(client, make_actor(Role.TOWN_OPERATOR, TOWN_A))

    response = client.get("/", {"region": code})

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_town_operator_drills_down_to_a_village_and_a_grid(client):
    build_county()
    sign_in(client, make_actor(Role.TOWN_OPERATOR, TOWN_A))

    village = client.get("/", {"region": VILLAGE_A1})
    assert village.status_code == 200
    assert [r.code for r in village.context["trail"]] == [TOWN_A, VILLAGE_A1]
    assert [code for code, _ in rows(village)] == GRIDS_A1
    # The children are grids: a per-row grid count would say nothing.
    assert village.context["show_grid_counts"] is False
    assert village.context["grid_total"] == 3
    assert f'<a href="?region={TOWN_A}">甲镇</a>' in village.content.decode()

    grid = client.get("/", {"region": GRIDS_A1[1]})
    assert grid.status_code == 200
    assert [r.code for r in grid.context["trail"]] == [TOWN_A, VILLAGE_A1, GRIDS_A1[1]]
    assert rows(grid) == []
    assert "没有下级区划" in grid.content.decode()


def test_county_operator_sees_all_towns(client):
    build_county()
    sign_in(client, make_actor(Role.COUNTY_OPERATOR, COUNTY))

    response = client.get("/")

    assert rows(response) == [(TOWN_A, 5), (TOWN_B, 1)]
    assert response.context["grid_total"] == 6
    assert "全县乡镇" in response.content.decode()
    assert client.get("/", {"region": TOWN_B}).status_code == 200


def test_grid_worker_sees_its_grid(client):
    build_county()
    sign_in(client, make_actor(Role.GRID_WORKER, GRIDS_A1[0]))

    response = client.get("/")

    assert response.context["region"].code == GRIDS_A1[0]
    assert response.context["grid_total"] == 1
    assert rows(response) == []
    html = response.content.decode()
    assert "我的网格" in html
    assert GRIDS_A1[0] in html
    assert client.get("/", {"region": GRIDS_A1[1]}).status_code == 404
    assert client.get("/", {"region": VILLAGE_A1}).status_code == 404


def test_department_handler_sees_department_and_its_region(client):
    build_county()
    department = DepartmentFactory(region=region_chain(COUNTY), name="示范县公安局")
    sign_in(client, make_actor(Role.DEPARTMENT_HANDLER, department))

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["department"] == department
    assert response.context["region"].code == COUNTY
    assert rows(response) == [(TOWN_A, 5), (TOWN_B, 1)]
    html = response.content.decode()
    assert "我的部门" in html
    assert "示范县公安局" in html
    assert "本部门" in html
    assert client.get("/", {"region": TOWN_B}).status_code == 200
    region_chain("990102")
    assert client.get("/", {"region": "990102"}).status_code == 404


def test_town_department_is_limited_to_its_town(client):
    build_county()
    department = DepartmentFactory(region=region_chain(TOWN_A), name="甲镇派出所")
    sign_in(client, make_actor(Role.DEPARTMENT_HANDLER, department))

    response = client.get("/")

    assert response.context["region"].code == TOWN_A
    assert client.get("/", {"region": TOWN_B}).status_code == 404


def test_out_of_scope_region_is_audited_as_denied(client):
    build_county()
    actor = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    sign_in(client, actor)

    assert client.get("/", {"region": TOWN_B}).status_code == 404
    assert client.get("/", {"region": "990101009"}).status_code == 404  # does not exist

    denied = AuditRecord.objects.filter(action="scope.denied")
    assert list(denied.values_list("actor_username", "object_id", "outcome")) == [
        (actor.user.username, TOWN_B, "denied")
    ]


def test_home_follows_the_position_chosen_in_the_session(client):
    build_county()
    actor = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    second = PositionFactory(user=actor.user, role=Role.TOWN_OPERATOR, region=region_chain(TOWN_B))
    sign_in(client, Actor(user=actor.user, position=second))

    response = client.get("/")

    assert response.context["region"].code == TOWN_B
    assert rows(response) == [(VILLAGE_B1, 1)]
    html = response.content.decode()
    assert '<span class="position-unit">乙镇</span>' in html
    assert client.get("/", {"region": TOWN_A}).status_code == 404


def test_leader_gets_the_read_only_note(client):
    build_county()
    sign_in(client, make_actor(Role.LEADER, COUNTY))

    response = client.get("/")

    html = response.content.decode()
    assert response.context["panel"].read_only is True
    assert "领导岗位为只读" in html
    assert "只读" in html
    assert rows(response) == [(TOWN_A, 5), (TOWN_B, 1)]


def test_auditor_panel_and_nav_link_to_the_audit_log(client):
    build_county()
    sign_in(client, make_actor(Role.AUDITOR, COUNTY))

    response = client.get("/")

    assert [link.url for link in response.context["panel"].links] == ["/audit/"]
    nav = [item.url for item in response.context["nav_items"]]
    assert nav == ["/", "/audit/", "/api/v1/docs/"]


def test_system_admin_nav_and_panel_link_to_admin_and_calendar(client):
    build_county()
    sign_in(client, make_actor(Role.SYSTEM_ADMIN, COUNTY))

    response = client.get("/")

    assert [link.url for link in response.context["panel"].links] == ["/admin/", "/calendar/"]
    nav = [item.url for item in response.context["nav_items"]]
    assert nav == ["/", "/calendar/", "/admin/", "/api/v1/docs/"]


def test_admin_link_follows_the_role_not_the_staff_or_superuser_flag(client):
    build_county()
    actor = make_actor(Role.SECURITY_ADMIN, COUNTY)
    actor.user.is_staff = actor.user.is_superuser = True
    actor.user.save()
    sign_in(client, actor)

    response = client.get("/")

    assert [link.url for link in response.context["panel"].links] == ["/accounts/security/"]
    nav = [item.url for item in response.context["nav_items"]]
    assert nav == ["/", "/accounts/security/", "/api/v1/docs/"]
    assert 'href="/admin/"' not in response.content.decode()


def test_operator_nav_has_no_admin_screens(client):
    build_county()
    sign_in(client, make_actor(Role.TOWN_OPERATOR, TOWN_A))

    response = client.get("/")

    nav = [item.url for item in response.context["nav_items"]]
    assert nav == ["/", "/command/", "/hotline/", "/callbacks/", "/registry/", "/api/v1/docs/"]
    html = response.content.decode()
    assert 'href="/admin/"' not in html
    assert 'href="/audit/"' not in html


def test_my_positions_lists_every_active_position(client):
    build_county()
    actor = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    PositionFactory(user=actor.user, role=Role.LEADER, region=region_chain(COUNTY))
    PositionFactory(
        user=actor.user, role=Role.GRID_WORKER, region=region_chain(GRIDS_B1[0]), active=False
    )
    sign_in(client, actor)

    response = client.get("/")

    listed = [(p.role, p.region_id) for p in response.context["positions"]]
    assert listed == [(Role.TOWN_OPERATOR, TOWN_A), (Role.LEADER, COUNTY)]
    html = response.content.decode()
    assert "甲镇 · 乡镇综治中心操作员" in html
    assert 'href="/accounts/position/"' in html


def test_user_without_position_gets_a_notice_and_no_region(client):
    sign_in(client, Actor(user=UserFactory(), position=None))

    response = client.get("/")

    assert response.status_code == 200
    assert "您还没有有效的岗位" in response.content.decode()
    assert client.get("/", {"region": "99"}).status_code == 404


def test_home_query_count_does_not_grow_with_sub_regions(client, django_assert_num_queries):
    build_county()
    sign_in(client, make_actor(Role.COUNTY_OPERATOR, COUNTY))
    client.get("/")  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    assert len(small) <= 9  # 8 + the header's unread-message badge (one COUNT)

    for n in range(3, 9):
        town = area(f"990101{n:03d}", f"镇{n}", 100.0 + n, 26.0, 0.4)
        for v in range(1, 4):
            village = area(f"{town.code}{v:03d}", f"村{v}", 100.0 + n, 26.0, 0.1)
            area(f"{village.code}001", "网格", 100.0 + n, 26.0, 0.01)

    with django_assert_num_queries(len(small)):
        response = client.get("/")
    assert len(response.context["sub_regions"]) == 8

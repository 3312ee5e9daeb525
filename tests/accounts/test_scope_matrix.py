"""Role × scope matrix over small throwaway scoped rows (regions, users), plus gates.

Tree: county 990101 with towns A (990101001) and B (990101002); village A1 (990101001001)
with grids A (…001) and B (…002); village A2 (990101001002); village B1 (990101002001) with
one grid. Departments: county 卫健/司法/公安/民政 and the 司法所 of town A. A second county
990102 stands outside everything.
"""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.test import APIClient

from pingan.accounts import gates
from pingan.accounts.gates import RecordKind
from pingan.accounts.roles import Role
from pingan.accounts.scope import (
    access_region,
    access_user,
    in_region_scope,
    require_write,
    scope_by_gate,
    scope_by_region,
    scope_users,
)
from pingan.audit.models import AuditRecord
from pingan.regions.models import Region
from tests.accounts.factories import sign_in
from tests.factories import DepartmentFactory, DepartmentTypeFactory, make_actor, region_chain

pytestmark = pytest.mark.django_db

COUNTY, OTHER_COUNTY = "990101", "990102"
TOWN_A, TOWN_B = "990101001", "990101002"
VILLAGE_A1, VILLAGE_A2, VILLAGE_B1 = "990101001001", "990101001002", "990101002001"
GRID_A, GRID_B, GRID_B1 = "990101001001001", "990101001001002", "990101002001001"
ALL = [
    COUNTY,
    TOWN_A,
    TOWN_B,
    VILLAGE_A1,
    VILLAGE_A2,
    VILLAGE_B1,
    GRID_A,
    GRID_B,
    GRID_B1,
    OTHER_COUNTY,
]
DEPT_TYPES = {"weijian": "卫健", "sifa": "司法", "gongan": "公安", "minzheng": "民政"}


@pytest.fixture
def tree():
    for code in (GRID_A, GRID_B, VILLAGE_A2, GRID_B1, OTHER_COUNTY):
        region_chain(code)


def dept(type_code: str, region: str = COUNTY):
    kind = DepartmentTypeFactory(code=type_code, name=DEPT_TYPES[type_code])
    return DepartmentFactory(type=kind, region=region_chain(region))


def actor_for(spec: str):
    """'role@unit' where unit is a region code or 'dept:<type>[@region]'."""
    role, unit = spec.split("@", 1)
    if unit.startswith("dept:"):
        type_code, _sep, region = unit[5:].partition("/")
        return make_actor(role, dept(type_code, region or COUNTY))
    return make_actor(role, unit)


VISIBLE = {
    f"grid_worker@{GRID_A}": {GRID_A},
    f"grid_worker@{GRID_B}": {GRID_B},
    f"village_staff@{VILLAGE_A1}": {VILLAGE_A1, GRID_A, GRID_B},
    f"town_operator@{TOWN_A}": {TOWN_A, VILLAGE_A1, VILLAGE_A2, GRID_A, GRID_B},
    f"town_operator@{TOWN_B}": {TOWN_B, VILLAGE_B1, GRID_B1},
    f"county_operator@{COUNTY}": set(ALL) - {OTHER_COUNTY},
    f"county_commander@{COUNTY}": set(ALL) - {OTHER_COUNTY},
    f"leader@{COUNTY}": set(ALL) - {OTHER_COUNTY},
    f"auditor@{COUNTY}": set(ALL) - {OTHER_COUNTY},
    f"security_admin@{COUNTY}": set(ALL) - {OTHER_COUNTY},
    f"system_admin@{COUNTY}": set(ALL) - {OTHER_COUNTY},
    # Departments open regions on operational pages inside their department's region.
    "department_handler@dept:gongan": set(ALL) - {OTHER_COUNTY},
    f"department_handler@dept:sifa/{TOWN_A}": {TOWN_A, VILLAGE_A1, VILLAGE_A2, GRID_A, GRID_B},
}


@pytest.mark.parametrize("spec", list(VISIBLE))
@pytest.mark.parametrize("code", ALL)
def test_access_region_matrix(tree, spec, code):
    actor = actor_for(spec)
    if code in VISIBLE[spec]:
        assert access_region(actor, code).code == code
        assert not AuditRecord.objects.filter(action="scope.denied").exists()
    else:
        with pytest.raises(Http404):
            access_region(actor, code)
        denied = AuditRecord.objects.get(action="scope.denied")
        assert (denied.object_type, denied.object_id, denied.region_code, denied.outcome) == (
            "region",
            code,
            code,
            "denied",
        )
        assert denied.actor_id == actor.user.pk and denied.position_id == actor.position.pk


@pytest.mark.parametrize("spec", list(VISIBLE))
def test_scope_by_region_matrix(tree, spec):
    actor = actor_for(spec)
    rows = set(
        scope_by_region(actor, Region.objects.all(), field="code").values_list("code", flat=True)
    )
    if actor.role == Role.DEPARTMENT_HANDLER:
        # Scoped business rows reach departments only through what they hold, or gates.
        assert rows == set()
    else:
        assert rows == VISIBLE[spec]
        assert all(in_region_scope(actor, code) for code in rows)
        assert not any(in_region_scope(actor, code) for code in set(ALL) - rows)


def test_missing_region_is_404_without_audit(tree):
    actor = actor_for(f"grid_worker@{GRID_A}")
    with pytest.raises(Http404):
        access_region(actor, "990101009009009")
    assert not AuditRecord.objects.exists()


def test_actor_without_position_sees_nothing(tree):
    actor = actor_for(f"grid_worker@{GRID_A}")
    from pingan.accounts.scope import Actor

    bare = Actor(user=actor.user, position=None)
    assert not scope_by_region(bare, Region.objects.all(), field="code").exists()
    with pytest.raises(Http404):
        access_region(bare, GRID_A)
    assert not scope_users(bare).exists()


# --- Users --------------------------------------------------------------------------------


@pytest.fixture
def people(tree):
    return {
        "grid_a": make_actor(Role.GRID_WORKER, GRID_A),
        "grid_b": make_actor(Role.GRID_WORKER, GRID_B),
        "town_b": make_actor(Role.TOWN_OPERATOR, TOWN_B),
        "sifa_a": make_actor(Role.DEPARTMENT_HANDLER, dept("sifa", TOWN_A)),
        "gongan": make_actor(Role.DEPARTMENT_HANDLER, dept("gongan")),
        "gongan2": make_actor(Role.DEPARTMENT_HANDLER, dept("gongan")),
        "outside": make_actor(Role.COUNTY_OPERATOR, OTHER_COUNTY),
    }


USERS_VISIBLE = {
    "grid_a": {"grid_a"},
    "grid_b": {"grid_b"},
    "town_b": {"town_b"},
    "sifa_a": {"sifa_a"},
    "gongan": {"gongan", "gongan2"},
    "town_a_op": {"grid_a", "grid_b", "sifa_a", "town_a_op"},
    "county_op": {"grid_a", "grid_b", "town_b", "sifa_a", "gongan", "gongan2", "county_op"},
    "sysadmin": {
        "grid_a",
        "grid_b",
        "town_b",
        "sifa_a",
        "gongan",
        "gongan2",
        "outside",
        "sysadmin",
    },
    "secadmin": {
        "grid_a",
        "grid_b",
        "town_b",
        "sifa_a",
        "gongan",
        "gongan2",
        "outside",
        "secadmin",
    },
}
EXTRA_VIEWERS = {
    "town_a_op": (Role.TOWN_OPERATOR, TOWN_A),
    "county_op": (Role.COUNTY_OPERATOR, COUNTY),
    "sysadmin": (Role.SYSTEM_ADMIN, COUNTY),
    "secadmin": (Role.SECURITY_ADMIN, COUNTY),
}


@pytest.mark.parametrize("viewer", list(USERS_VISIBLE))
def test_access_user_matrix(people, viewer):
    everyone = dict(people)
    if viewer in EXTRA_VIEWERS:
        everyone[viewer] = make_actor(*EXTRA_VIEWERS[viewer])
    actor = everyone[viewer]
    names = {a.user.pk: name for name, a in everyone.items()}
    seen = {names[pk] for pk in scope_users(actor).values_list("pk", flat=True) if pk in names}
    assert seen == USERS_VISIBLE[viewer]
    for name, other in everyone.items():
        if name in USERS_VISIBLE[viewer]:
            assert access_user(actor, other.user.pk) == other.user
        else:
            with pytest.raises(Http404):
                access_user(actor, other.user.pk)
    hidden = len(set(everyone) - USERS_VISIBLE[viewer])
    assert AuditRecord.objects.filter(action="scope.denied", object_type="user").count() == hidden
    with pytest.raises(Http404):
        access_user(actor, "not-a-number")


# --- Gates --------------------------------------------------------------------------------

SEEDED = {
    ("weijian", RecordKind.MENTAL_DISORDER),
    ("sifa", RecordKind.COMMUNITY_CORRECTION),
    ("sifa", RecordKind.RELEASED_PRISONER),
    ("gongan", RecordKind.DRUG_USER),
}
KINDS = [
    RecordKind.MENTAL_DISORDER,
    RecordKind.COMMUNITY_CORRECTION,
    RecordKind.RELEASED_PRISONER,
    RecordKind.DRUG_USER,
]


@pytest.mark.parametrize("type_code", list(DEPT_TYPES))
@pytest.mark.parametrize("kind", KINDS)
def test_gates_both_ways(tree, type_code, kind):
    actor = make_actor(Role.DEPARTMENT_HANDLER, dept(type_code))
    opened = (type_code, kind) in SEEDED
    assert gates.gate_allows(actor, kind) is opened
    fields = gates.gated_fields(actor, kind)
    assert bool(fields) is opened
    if opened:
        assert {"person_name", "id_number_masked", "region_code"} <= set(fields)
    rows = set(
        scope_by_gate(actor, kind, Region.objects.all(), field="code").values_list(
            "code", flat=True
        )
    )
    assert rows == (set(ALL) - {OTHER_COUNTY} if opened else set())


def test_gate_region_is_the_departments_region(tree):
    actor = make_actor(Role.DEPARTMENT_HANDLER, dept("sifa", TOWN_A))
    rows = set(
        scope_by_gate(
            actor, RecordKind.COMMUNITY_CORRECTION, Region.objects.all(), field="code"
        ).values_list("code", flat=True)
    )
    assert rows == {TOWN_A, VILLAGE_A1, VILLAGE_A2, GRID_A, GRID_B}


@pytest.mark.parametrize("kind", KINDS)
def test_region_positions_have_no_gates(tree, kind):
    actor = make_actor(Role.COUNTY_COMMANDER, COUNTY)
    assert gates.gate_allows(actor, kind) is False
    assert gates.gated_fields(actor, kind) == ()


def test_register_gate_replaces_and_validates():
    try:
        gate = gates.register_gate(
            "minzheng", "low_income", ["person_name", "allowance", "person_name"]
        )
        assert gate.fields == ("person_name", "allowance")
        assert gates.gate_for("minzheng", "low_income") == gate
        with pytest.raises(ValueError):
            gates.register_gate("minzheng", "low_income", [])
    finally:
        gates.unregister_gate("minzheng", "low_income")
    assert gates.gate_for("minzheng", "low_income") is None
    assert {(g.department_type, g.record_kind) for g in gates.all_gates()} == SEEDED


# --- Leaders read, never write ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR])
def test_read_only_roles_cannot_write(tree, role):
    actor = make_actor(role, COUNTY)
    assert access_region(actor, GRID_A).code == GRID_A
    with pytest.raises(PermissionDenied) as info:
        require_write(actor)
    assert str(info.value) == "只读岗位不能修改数据。"
    assert AuditRecord.objects.get(action="permission.denied").detail == {
        "reason": "read_only_role",
        "role": role,
    }


def test_require_write_allows_operators_and_refuses_no_position(tree):
    require_write(make_actor(Role.TOWN_OPERATOR, TOWN_A))
    from pingan.accounts.scope import Actor

    with pytest.raises(PermissionDenied):
        require_write(Actor(user=make_actor().user, position=None))


@pytest.mark.urls("tests.accounts.scope_urls")
def test_leader_post_through_drf_is_403_and_changes_nothing(tree):
    leader = make_actor(Role.LEADER, COUNTY)
    api = APIClient()
    api.force_authenticate(leader.user)
    assert api.get(f"/t/api/regions/{TOWN_A}/").json() == {"code": TOWN_A, "name": f"区划{TOWN_A}"}
    before = Region.objects.count()
    response = api.post(f"/t/api/regions/{TOWN_A}/", {"name": "偷建"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "只读岗位不能修改数据。"}
    assert Region.objects.count() == before
    assert AuditRecord.objects.filter(action="permission.denied", actor=leader.user).count() == 1
    # The same request from an operator goes through.
    operator = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    api.force_authenticate(operator.user)
    created = api.post(f"/t/api/regions/{TOWN_A}/", {"name": "新村"}, format="json")
    assert created.status_code == 201
    assert Region.objects.count() == before + 1


@pytest.mark.urls("tests.accounts.scope_urls")
def test_not_found_and_not_yours_look_identical_in_the_api(tree):
    worker = make_actor(Role.GRID_WORKER, GRID_A)
    api = APIClient()
    api.force_authenticate(worker.user)
    missing = api.get("/t/api/regions/990101001001009/")
    foreign = api.get(f"/t/api/regions/{GRID_B}/")
    assert missing.status_code == foreign.status_code == 404
    assert missing.content == foreign.content
    assert sorted(missing.headers.items()) == sorted(foreign.headers.items())
    assert (
        AuditRecord.objects.filter(action="scope.denied").values_list("object_id", flat=True).get()
        == GRID_B
    )


@pytest.mark.urls("tests.accounts.scope_urls")
def test_not_found_and_not_yours_look_identical_on_pages(client, tree):
    sign_in(client, make_actor(Role.TOWN_OPERATOR, TOWN_A))
    assert client.get("/t/regions/", {"code": VILLAGE_A2}).status_code == 200
    missing = client.get("/t/regions/", {"code": "990101002009"})
    foreign = client.get("/t/regions/", {"code": VILLAGE_B1})
    assert missing.status_code == foreign.status_code == 404

    def unmasked(response, code: str) -> bytes:
        # The page echoes its own URL (language switcher) and masks the CSRF token afresh on
        # every response; apart from those the bytes must match.
        body = response.content.replace(code.encode(), b"<code>")
        return re.sub(rb"[A-Za-z0-9]{64}", b"<csrf>", body)

    assert unmasked(missing, "990101002009") == unmasked(foreign, VILLAGE_B1)
    assert AuditRecord.objects.filter(action="scope.denied").count() == 1


def test_no_position_actor_is_403_in_drf(tree):
    from rest_framework.test import APIRequestFactory

    from tests.accounts.scope_urls import RegionApi

    user = make_actor().user
    user.positions.all().delete()
    request = APIRequestFactory().get(f"/t/api/regions/{COUNTY}/")
    from rest_framework.test import force_authenticate

    force_authenticate(request, user=user)
    response = RegionApi.as_view()(request, code=COUNTY)
    assert response.status_code == 403
    assert response.data == {"detail": "当前账户没有有效岗位。"}

"""Building the demo in the database: rows, accounts, rebuilds, and failures that change nothing."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pyotp
import pytest
import shapely
from django.contrib.auth.password_validation import validate_password

from pingan.accounts.models import Position, TwoFactorDevice, User
from pingan.accounts.roles import TOTP_REQUIRED_ROLES, Role
from pingan.accounts.totp import verify_totp
from pingan.audit.models import AuditRecord
from pingan.demo.accounts import DEFAULT_PASSWORD, totp_secret
from pingan.demo.builder import DemoError, build_demo
from pingan.demo.layout import plan_regions
from pingan.demo.models import DemoBuild
from pingan.regions.lookup import lookup_point, lookup_points, reset_grid_index
from pingan.regions.models import (
    Department,
    DepartmentType,
    GridIndexVersion,
    Region,
    RegionLevel,
)
from tests.demo.factories import TINY
from tests.factories import PositionFactory, UserFactory, region_chain

pytestmark = pytest.mark.django_db


def build(tmp_path, seed: int = 7, **kwargs):
    return build_demo(spec=TINY, seed=seed, home=tmp_path, **kwargs)


def snapshot() -> dict:
    """Everything the demo owns, in a comparable form."""
    regions = [
        (r.code, r.name, r.level, r.parent_id, _digest(r.geometry), r.centroid_lng, r.centroid_lat)
        for r in Region.objects.filter(code__startswith="99").order_by("code")
    ]
    departments = list(
        Department.objects.filter(region__code__startswith="99")
        .order_by("code")
        .values_list("code", "name", "type_id", "region_id")
    )
    positions = sorted(
        Position.objects.filter(user__username__in=_demo_usernames()).values_list(
            "user__username", "role", "region_id", "department_id"
        ),
        key=repr,
    )
    devices = sorted(
        (d.user.username, d.secret) for d in TwoFactorDevice.objects.select_related("user")
    )
    return {
        "regions": regions,
        "departments": departments,
        "positions": positions,
        "devices": devices,
        "users": User.objects.count(),
    }


def _digest(geometry) -> str:
    return hashlib.sha256(json.dumps(geometry, sort_keys=True).encode()).hexdigest()


def _demo_usernames() -> list[str]:
    return list(
        Position.objects.filter(region__code__startswith="99").values_list(
            "user__username", flat=True
        )
    ) + list(
        Position.objects.filter(department__region__code__startswith="99").values_list(
            "user__username", flat=True
        )
    )


def test_tiny_build_stores_the_planned_regions(tmp_path):
    result = build(tmp_path)
    planned = plan_regions(TINY, 7)
    stored = {r.code: r for r in Region.objects.filter(code__startswith="99")}
    assert sorted(stored) == sorted(p.code for p in planned)
    county = stored["990101"]
    assert (county.name, county.level, county.parent_id) == ("示范县", RegionLevel.COUNTY, "9901")
    assert county.geometry["type"] == "Polygon"
    assert abs(county.centroid_lng - 104.0) < 0.1
    assert abs(county.centroid_lat - 27.3) < 0.1
    assert result.counts["towns"] == 3
    assert result.counts["grids"] == Region.objects.filter(level=RegionLevel.GRID).count()


def test_departments_cover_every_type_at_county_and_stations_in_towns(tmp_path):
    DepartmentType.objects.update_or_create(code="tiyu", defaults={"name": "体育", "sort": 900})
    DepartmentType.objects.update_or_create(code="wenlv", defaults={"name": "文旅服务中心"})
    DepartmentType.objects.update_or_create(code="other", defaults={"name": "其他"})
    build(tmp_path)
    for dtype in DepartmentType.objects.filter(active=True).exclude(code="other"):
        dept = Department.objects.get(code=f"990101-{dtype.code}")
        assert (dept.type_id, dept.region_id) == (dtype.code, "990101")
    for dept in Department.objects.filter(region__code__startswith="99"):
        dept.full_clean()  # codes follow the `<region>-<type>` convention
    assert Department.objects.get(code="990101-gongan").name == "示范县公安局"
    assert Department.objects.get(code="990101-fayuan").name == "示范县人民法院"
    assert Department.objects.get(code="990101-tiyu").name == "示范县体育局"
    assert Department.objects.get(code="990101-wenlv").name == "示范县文旅服务中心"
    assert not Department.objects.filter(code="990101-other").exists()
    for town in Region.objects.filter(level=RegionLevel.TOWN, code__startswith="990101"):
        police = Department.objects.get(code=f"{town.code}-gongan")
        justice = Department.objects.get(code=f"{town.code}-sifa")
        assert police.name == f"{town.name}派出所"
        assert justice.name == f"{town.name}司法所"
        assert police.region_id == justice.region_id == town.code


def test_accounts_match_the_file_and_the_database(tmp_path):
    result = build(tmp_path)
    path = tmp_path / "demo-accounts.json"
    assert path == result.accounts_path
    assert path.stat().st_mode & 0o777 == 0o600
    accounts = json.loads(path.read_text(encoding="utf-8"))
    assert {a["role"] for a in accounts} == {role.value for role in Role}
    usernames = [a["username"] for a in accounts]
    assert len(usernames) == len(set(usernames))
    assert {a["password"] for a in accounts} == {DEFAULT_PASSWORD}
    # One argon2 hash reused by every account (hashing per user would dominate the build).
    hashes = set(User.objects.filter(username__in=usernames).values_list("password", flat=True))
    assert len(hashes) == 1
    assert User.objects.get(username="county_op").check_password(DEFAULT_PASSWORD)
    for account in accounts:
        user = User.objects.get(username=account["username"])
        validate_password(account["password"], user=user)
        position = user.positions.get()
        assert (position.role, position.unit_code, position.unit_name) == (
            account["role"],
            account["unit_code"],
            account["unit_name"],
        )
        assert user.full_name
        if account["role"] in TOTP_REQUIRED_ROLES:
            assert account["totp_secret"] == totp_secret(7, account["username"])
            device = TwoFactorDevice.objects.get(user=user)
            assert device.confirmed
            assert verify_totp(device, pyotp.TOTP(account["totp_secret"]).now())
        else:
            assert "totp_secret" not in account
            assert not TwoFactorDevice.objects.filter(user=user).exists()
    # 三员分立: no demo account is a Django superuser; sysadmin uses the admin by its role.
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.filter(is_staff=True).exists()
    assert User.objects.get(username="sysadmin").positions.get().role == Role.SYSTEM_ADMIN
    towns = Region.objects.filter(level=RegionLevel.TOWN, code__startswith="990101")
    for town in towns:
        roles_here = {a["role"] for a in accounts if a["unit_code"].startswith(town.code)}
        assert {Role.TOWN_OPERATOR, Role.GRID_WORKER} <= roles_here, town.code
        assert f"town{town.code[-3:]}_op" in usernames
    handlers = {a["unit_code"] for a in accounts if a["role"] == Role.DEPARTMENT_HANDLER}
    assert {"990101-gongan", "990101-sifa", "990101-weijian", "990101-minzheng"} <= handlers


def test_build_records_the_county_for_later_modules_and_audits_it(tmp_path):
    result = build(tmp_path, seed=11)
    record = DemoBuild.objects.get()
    villages = set(Region.objects.filter(level=RegionLevel.VILLAGE).values_list("code", flat=True))
    assert (record.size, record.seed, record.target_residents) == ("tiny", 11, 1_000)
    assert set(record.residents_by_village) == villages
    assert sum(record.residents_by_village.values()) == 1_000
    assert record.counts == result.counts
    audit = AuditRecord.objects.get(action="demo.build")
    assert (audit.object_id, audit.region_code, audit.actor_username) == (
        "990101",
        "990101",
        "pingan demo",
    )
    assert audit.detail == {"size": "tiny", "seed": 11, "counts": result.counts}


def test_rebuild_with_the_same_seed_gives_the_same_rows(tmp_path):
    build(tmp_path)
    first = snapshot()
    first_file = (tmp_path / "demo-accounts.json").read_text(encoding="utf-8")
    build(tmp_path)
    assert snapshot() == first
    assert (tmp_path / "demo-accounts.json").read_text(encoding="utf-8") == first_file


def test_rebuild_with_another_seed_replaces_everything(tmp_path):
    build(tmp_path, seed=7)
    first = snapshot()
    build(tmp_path, seed=8)
    second = snapshot()
    assert second["regions"] != first["regions"]
    county_first = next(r for r in first["regions"] if r[0] == "990101")
    county_second = next(r for r in second["regions"] if r[0] == "990101")
    assert county_first[4] != county_second[4]
    planned = sorted(p.code for p in plan_regions(TINY, 8))
    assert [r[0] for r in second["regions"]] == planned  # nothing left over from seed 7
    assert second["users"] == len(json.loads((tmp_path / "demo-accounts.json").read_text()))


def test_a_password_outside_the_policy_changes_nothing(tmp_path):
    build(tmp_path)
    before = snapshot()
    file_before = (tmp_path / "demo-accounts.json").read_bytes()
    with pytest.raises(DemoError, match="密码"):
        build(tmp_path, seed=8, password="short")
    with pytest.raises(DemoError, match="密码"):
        build(tmp_path, seed=8, password="alllowercaseletters")
    assert snapshot() == before
    assert (tmp_path / "demo-accounts.json").read_bytes() == file_before


def test_a_custom_password_is_used_for_every_account(tmp_path):
    build(tmp_path, password="Another-Pass-99")
    accounts = json.loads((tmp_path / "demo-accounts.json").read_text())
    assert {a["password"] for a in accounts} == {"Another-Pass-99"}
    assert User.objects.get(username="county_op").check_password("Another-Pass-99")
    assert not User.objects.get(username="county_op").check_password(DEFAULT_PASSWORD)


def test_a_real_account_with_a_demo_name_stops_the_build(tmp_path):
    build(tmp_path)
    before = snapshot()
    User.objects.filter(username="county_op").update(username="county_op_old")
    UserFactory(username="county_op")  # a real account, no demo position
    with pytest.raises(DemoError, match="county_op"):
        build(tmp_path, seed=8)
    after = snapshot()
    assert after["regions"] == before["regions"]
    assert after["departments"] == before["departments"]


def test_rebuild_keeps_real_users_and_their_real_positions(tmp_path):
    build(tmp_path)
    real = UserFactory(username="real_person")
    real_position = PositionFactory(
        user=real, role=Role.TOWN_OPERATOR, region=region_chain("530102001")
    )
    PositionFactory(user=real, role=Role.COUNTY_OPERATOR, region=Region.objects.get(code="990101"))
    build(tmp_path)
    real.refresh_from_db()
    assert list(real.positions.all()) == [real_position]
    assert Region.objects.filter(code="530102001").exists()


def test_point_lookup_sees_the_new_grids_at_once_and_finds_every_point(tmp_path, settings):
    settings.PINGAN_GRID_INDEX_CHECK_SECONDS = 0
    reset_grid_index()
    build(tmp_path, seed=7)
    first_version = GridIndexVersion.objects.get().version
    build(tmp_path, seed=8)  # new shapes: a stale index would answer with seed 7's grids
    assert GridIndexVersion.objects.get().version == first_version + 1
    regions = {r.code: r for r in plan_regions(TINY, 8)}
    leaves = [
        r
        for r in regions.values()
        if r.level == RegionLevel.MICROGRID or (r.level == RegionLevel.GRID and not r.children)
    ]
    for leaf in leaves:
        point = leaf.polygon.representative_point()
        assert lookup_point(point.x, point.y).code == leaf.code
    # No gaps: random points inside the county all land in a grid.
    county = regions["990101"].polygon
    rng = np.random.default_rng(1)
    min_x, min_y, max_x, max_y = county.bounds
    xs, ys = rng.uniform(min_x, max_x, 3000), rng.uniform(min_y, max_y, 3000)
    inside = shapely.contains_xy(county, xs, ys)
    codes = lookup_points(xs[inside], ys[inside])
    assert None not in codes
    assert not lookup_point(max_x + 0.01, max_y + 0.01).found
    reset_grid_index()


def test_citizen_events_get_public_reports_and_sample_codes_that_work(tmp_path):
    from pingan.events.models import EventDetail
    from pingan.public.models import PublicReport
    from pingan.public.selectors import find_public_case

    result = build(tmp_path)
    citizen = EventDetail.objects.filter(reporter_kind__in=["citizen", "sms", "hotline"])
    assert result.counts["public_reports"] == citizen.count() == PublicReport.objects.count() > 0
    channels = set(PublicReport.objects.values_list("channel", flat=True))
    assert channels <= {"portal", "sms", "hotline"}
    samples = json.loads((tmp_path / "demo-public-cases.json").read_text(encoding="utf-8"))
    assert samples and all(find_public_case(s["number"], s["code"]) for s in samples)
    assert not find_public_case(samples[0]["number"], "x" + samples[0]["code"][1:])
    build(tmp_path)  # a rebuild replaces them (public reports protect the demo cases)
    assert PublicReport.objects.count() == citizen.count()

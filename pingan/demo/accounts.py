"""Demo users: one for every role, an operator for every town, grid workers, department
handlers; written to `$PINGAN_HOME/demo-accounts.json` (DESIGN §6).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from pingan.accounts.models import Position, TwoFactorDevice, User
from pingan.accounts.roles import TOTP_REQUIRED_ROLES, Role
from pingan.core.phones import phone_hash
from pingan.demo.departments import PlannedDepartment
from pingan.demo.layout import PlannedRegion
from pingan.demo.names import NamePool
from pingan.regions.models import RegionLevel

DEFAULT_PASSWORD = "Pingan@2026demo"
ACCOUNTS_FILE = "demo-accounts.json"
# Department types whose town stations get a demo handler, with a readable username part.
STATION_USERNAMES = {"gongan": "police", "sifa": "justice"}
# How many towns of each kind get a village-staff account and station handlers.
TOWNS_PER_KIND_WITH_VILLAGE_STAFF = 2
# Demo staff phones: 199 (a mobile prefix, so phone validation accepts them) + "0101" (from
# the demo county 990101) + a 4-digit account index. Fictitious, for the demo only.
DEMO_PHONE_PREFIX = "1990101"


@dataclass
class DemoAccount:
    """One demo login as written to demo-accounts.json (plus what is needed to create it)."""

    username: str
    role: str
    unit_code: str
    unit_name: str
    full_name: str = ""
    is_department: bool = False
    totp_secret: str = ""

    def as_json(self, password: str) -> dict:
        data = {
            "username": self.username,
            "password": password,
            "role": self.role,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
        }
        if self.totp_secret:
            data["totp_secret"] = self.totp_secret
        return data


def plan_accounts(
    regions: list[PlannedRegion], departments: list[PlannedDepartment], seed: int
) -> list[DemoAccount]:
    """Every demo account, in a stable order (county roles, departments, towns, grids)."""
    county = next(r for r in regions if r.level == RegionLevel.COUNTY)
    # 三员分立: system, security and audit admins are three different people.
    accounts = [
        _at_region("sysadmin", Role.SYSTEM_ADMIN, county),
        _at_region("secadmin", Role.SECURITY_ADMIN, county),
        _at_region("auditor", Role.AUDITOR, county),
        _at_region("leader", Role.LEADER, county),
        _at_region("commander", Role.COUNTY_COMMANDER, county),
        _at_region("county_op", Role.COUNTY_OPERATOR, county),
    ]
    accounts += [
        _at_department(f"dept_{dept.type_code}", dept)
        for dept in departments
        if dept.region_code == county.code
    ]
    stations = {(d.region_code, d.type_code): d for d in departments}
    seen_kinds: dict[str, int] = defaultdict(int)
    for town in (r for r in regions if r.level == RegionLevel.TOWN):
        seen_kinds[town.kind] += 1
        showcase = seen_kinds[town.kind] <= TOWNS_PER_KIND_WITH_VILLAGE_STAFF
        accounts += _town_accounts(town, stations, showcase=showcase)
    covered = {account.role for account in accounts}
    # Roles added by later modules still get one county-level login.
    accounts += [
        _at_region(f"demo_{role.value}", role.value, county) for role in Role if role not in covered
    ]
    people = NamePool(seed)
    for account in accounts:
        account.full_name = people.person()
        if account.role in TOTP_REQUIRED_ROLES:
            account.totp_secret = totp_secret(seed, account.username)
    return accounts


def _town_accounts(
    town: PlannedRegion, stations: dict[tuple[str, str], PlannedDepartment], *, showcase: bool
) -> list[DemoAccount]:
    """The town operator and grid workers of every town; in showcase towns also the
    village staff and the 派出所/司法所 handlers."""
    number = town.code[-3:]
    accounts = [_at_region(f"town{number}_op", Role.TOWN_OPERATOR, town)]
    village = town.children[0]
    if showcase:
        for type_code, part in STATION_USERNAMES.items():
            if (town.code, type_code) in stations:
                station = stations[(town.code, type_code)]
                accounts.append(_at_department(f"town{number}_{part}", station))
        accounts.append(_at_region(f"vs_{village.code}", Role.VILLAGE_STAFF, village))
    # Every grid of the village with micro-grids gets a worker (and one micro-grid does);
    # elsewhere the first grid of the town's first village.
    micro_grids = [grid for grid in village.children if grid.children]
    for grid in village.children if micro_grids else village.children[:1]:
        accounts.append(_at_region(f"gw_{grid.code}", Role.GRID_WORKER, grid))
    if micro_grids:
        micro = micro_grids[0].children[0]
        accounts.append(_at_region(f"gw_{micro.code}", Role.GRID_WORKER, micro))
    return accounts


def _at_region(username: str, role: str, region: PlannedRegion) -> DemoAccount:
    return DemoAccount(username, role, region.code, region.name)


def _at_department(username: str, department: PlannedDepartment) -> DemoAccount:
    return DemoAccount(
        username, Role.DEPARTMENT_HANDLER, department.code, department.name, is_department=True
    )


def totp_secret(seed: int, username: str) -> str:
    """A base32 TOTP secret derived from the seed: the same demo gives the same codes."""
    digest = hmac.new(f"pingan-demo-{seed}".encode(), username.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def password_problem(password: str, accounts: Iterable[DemoAccount]) -> str:
    """Why `password` fails the policy for some demo account ("" when it passes for all).

    Checked per username because the policy also refuses passwords containing the username.
    """
    for account in accounts:
        try:
            validate_password(password, user=User(username=account.username))
        except ValidationError as exc:
            return f"{account.username}：{' '.join(exc.messages)}"
    return ""


def create_accounts(
    accounts: list[DemoAccount], password: str, regions_by_code: dict, departments_by_code: dict
) -> int:
    """Insert users, positions and pre-confirmed TOTP devices in bulk.

    The password is hashed once and the encoded hash reused: argon2 takes ~50 ms per hash
    on purpose, and ~100 hashes would dominate the build. Safe here because every demo
    account has the same, published password anyway.
    """
    encoded = make_password(password)
    User.objects.bulk_create(
        User(
            username=account.username,
            password=encoded,
            full_name=account.full_name,
            phone=demo_phone(index),
            phone_hash=phone_hash(demo_phone(index)),
        )
        for index, account in enumerate(accounts)
    )
    # Read ids back rather than rely on bulk_create setting them (backend-dependent).
    usernames = [account.username for account in accounts]
    user_ids = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    Position.objects.bulk_create(
        Position(
            user_id=user_ids[account.username],
            role=account.role,
            region=None if account.is_department else regions_by_code[account.unit_code],
            department=departments_by_code[account.unit_code] if account.is_department else None,
        )
        for account in accounts
    )
    confirmed = timezone.now()
    TwoFactorDevice.objects.bulk_create(
        TwoFactorDevice(
            user_id=user_ids[account.username], secret=account.totp_secret, confirmed_at=confirmed
        )
        for account in accounts
        if account.totp_secret
    )
    return len(accounts)


def demo_phone(index: int) -> str:
    """The fictitious work mobile of the `index`-th demo account: 1990101 + 4 digits, in the
    order of `plan_accounts` (the same demo gives the same numbers). Demo data only: the
    hotline's *180 shows them; never point a real SMS gateway at a demo installation."""
    return f"{DEMO_PHONE_PREFIX}{index:04d}"


def write_accounts_file(path: Path, accounts: list[DemoAccount], password: str) -> None:
    """Write the logins as JSON, readable by the owner only (mode 0600)."""
    payload = json.dumps([a.as_json(password) for a in accounts], ensure_ascii=False, indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an existing file keeps its old mode otherwise
        handle.write(payload + "\n")


def summary_rows(accounts: list[DemoAccount]) -> list[DemoAccount]:
    """The logins worth printing: the first account of each role."""
    shown: list[DemoAccount] = []
    roles: set[str] = set()
    for account in accounts:
        if account.role not in roles:
            roles.add(account.role)
            shown.append(account)
    return shown

"""Build the demo county: regions, departments, accounts and demo-accounts.json.

`build_demo()` replaces whatever demo data is in the database (everything under code 99)
in one transaction, so a rebuild with the same seed gives the same rows and a failed build
leaves the previous demo untouched.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.models import Position
from pingan.audit.services import audit_log
from pingan.demo import geometry as geo
from pingan.demo.accounts import (
    ACCOUNTS_FILE,
    DEFAULT_PASSWORD,
    DemoAccount,
    create_accounts,
    password_problem,
    plan_accounts,
    write_accounts_file,
)
from pingan.demo.departments import PlannedDepartment, ensure_department_types, plan_departments
from pingan.demo.events import build_demo_events, reset_demo_events
from pingan.demo.layout import COUNTY, PROVINCE, PlannedRegion, plan_regions
from pingan.demo.models import DemoBuild
from pingan.demo.open311 import KEY_FILE as OPEN311_KEY_FILE
from pingan.demo.open311 import issue_demo_open311_key, reset_demo_public
from pingan.demo.people import build_demo_people, reset_demo_people
from pingan.demo.public import build_demo_public_reports
from pingan.demo.sizes import SIZES, DemoSize
from pingan.regions.models import (
    CODE_LENGTH_BY_LEVEL,
    Department,
    Region,
    RegionLevel,
)
from pingan.regions.services import grid_index_version_bump

DEFAULT_SEED = 20261121
DEMO_ROOT = PROVINCE[0]  # no real region uses 99
BATCH_SIZE = 500


class DemoError(Exception):
    """The demo cannot be built; the message is for the person running the command."""


@dataclass
class DemoResult:
    size: str
    seed: int
    counts: dict[str, int]
    accounts: list[DemoAccount]
    accounts_path: Path
    password: str
    seconds: float
    open311_key: str = ""
    open311_key_path: Path | None = None


def build_demo(
    *,
    size: str = "small",
    seed: int = DEFAULT_SEED,
    password: str = DEFAULT_PASSWORD,
    home: Path | None = None,
    spec: DemoSize | None = None,
) -> DemoResult:
    """Replace the demo county with a fresh one generated from `seed`.

    Runs as the system, not as a user: it is the installer's command, so there is no actor
    and no permission check; one `demo.build` audit record states what was built. Writes
    `demo-accounts.json` and the demo Open311 client key `demo-open311-key.txt` under `home`
    (default `$PINGAN_HOME`) before committing, so a failure leaves no half-built data.
    `spec` overrides the named size (tests use a smaller one).
    """
    started = time.perf_counter()
    if spec is None:
        if size not in SIZES:
            raise DemoError(
                _("未知的示范规模：%(size)s（可选：%(choices)s）")
                % {"size": size, "choices": "、".join(SIZES)}
            )
        spec = SIZES[size]
    regions = plan_regions(spec, seed)
    path = Path(home or settings.PINGAN_HOME) / ACCOUNTS_FILE
    key_path = Path(home or settings.PINGAN_HOME) / OPEN311_KEY_FILE
    with transaction.atomic():
        types = ensure_department_types()
        towns = [(r.code, r.name) for r in regions if r.level == RegionLevel.TOWN]
        departments = plan_departments(types, COUNTY, towns)
        accounts = plan_accounts(regions, departments, seed)
        problem = password_problem(password, accounts)
        if problem:
            raise DemoError(_("示范账户密码不符合密码策略（%(problem)s）") % {"problem": problem})
        reset_demo_public()  # public reports protect demo cases; clients, demo regions
        reset_demo_events()  # cases point at demo users and positions
        reset_demo_people()  # visits point at demo users
        reset_demo_data([account.username for account in accounts])
        regions_by_code = _insert_regions(regions)
        departments_by_code = _insert_departments(departments)
        create_accounts(accounts, password, regions_by_code, departments_by_code)
        counts = _counts(regions, departments, accounts)
        counts.update(build_demo_events(seed=seed, size=spec.name))
        counts["public_reports"] = build_demo_public_reports(seed=seed, home=path.parent)
        residents = {r.code: r.residents for r in regions if r.level == RegionLevel.VILLAGE}
        counts.update(build_demo_people(seed=seed, residents_by_village=residents))
        _record_build(spec, seed, regions, counts)
        _grids_changed()
        audit_log(
            actor=None,
            username="pingan demo",
            action="demo.build",
            object_type="region",
            object_id=COUNTY[0],
            region_code=COUNTY[0],
            detail={"size": spec.name, "seed": seed, "counts": counts},
        )
        write_accounts_file(path, accounts, password)
        open311_key = issue_demo_open311_key(key_path)
    return DemoResult(
        size=spec.name,
        seed=seed,
        counts=counts,
        accounts=accounts,
        accounts_path=path,
        password=password,
        seconds=time.perf_counter() - started,
        open311_key=open311_key,
        open311_key_path=key_path,
    )


def reset_demo_data(usernames: list[str]) -> None:
    """Delete the previous demo: its users, positions, departments and regions under 99.

    A user is a demo user when all their positions are under 99; anyone who also holds a
    real position keeps their account and loses only the demo positions. A planned demo
    username that belongs to a real account stops the build instead of taking it over.
    """
    user_model = get_user_model()
    under_demo = Q(region__code__startswith=DEMO_ROOT) | Q(
        department__region__code__startswith=DEMO_ROOT
    )
    demo_holders = set(Position.objects.filter(under_demo).values_list("user_id", flat=True))
    real_holders = set(
        Position.objects.filter(user_id__in=demo_holders)
        .exclude(under_demo)
        .values_list("user_id", flat=True)
    )
    try:
        Position.objects.filter(under_demo).delete()
        user_model.objects.filter(id__in=demo_holders - real_holders).delete()
        Department.objects.filter(region__code__startswith=DEMO_ROOT).delete()
        # Children first: a region's parent link is protected.
        for level in sorted(CODE_LENGTH_BY_LEVEL, key=CODE_LENGTH_BY_LEVEL.get, reverse=True):
            Region.objects.filter(code__startswith=DEMO_ROOT, level=level).delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name) for obj in exc.protected_objects})
        raise DemoError(
            _("示范数据已被其他数据引用（%(kinds)s），无法重建；请使用新的数据库。")
            % {"kinds": "、".join(kinds)}
        ) from exc
    # Usernames are unique regardless of case (the lockout counts them that way too).
    taken = sorted(
        user_model.objects.annotate(folded=Lower("username"))
        .filter(folded__in=[name.lower() for name in usernames])
        .values_list("username", flat=True)
    )
    if taken:
        raise DemoError(
            _("用户名已被非示范账户使用：%(names)s。请改名或删除这些账户后重试。")
            % {"names": "、".join(taken[:10])}
        )


def _insert_regions(regions: list[PlannedRegion]) -> dict[str, Region]:
    rows = []
    for planned in regions:
        lng, lat = geo.centroid_lnglat(planned.polygon)
        rows.append(
            Region(
                code=planned.code,
                name=planned.name,
                level=planned.level,
                parent_id=planned.parent_code,
                geometry=geo.to_geojson(planned.polygon),
                centroid_lng=lng,
                centroid_lat=lat,
            )
        )
    Region.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return {row.code: row for row in rows}


def _insert_departments(departments: list[PlannedDepartment]) -> dict[str, Department]:
    rows = [
        Department(code=d.code, name=d.name, type_id=d.type_code, region_id=d.region_code)
        for d in departments
    ]
    Department.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return {row.code: row for row in rows}


def _counts(
    regions: list[PlannedRegion], departments: list[PlannedDepartment], accounts: list[DemoAccount]
) -> dict[str, int]:
    by_level = Counter(str(region.level) for region in regions)
    return {
        "towns": by_level[RegionLevel.TOWN],
        "villages": by_level[RegionLevel.VILLAGE],
        "grids": by_level[RegionLevel.GRID],
        "microgrids": by_level[RegionLevel.MICROGRID],
        "departments": len(departments),
        "accounts": len(accounts),
    }


def _record_build(spec: DemoSize, seed: int, regions: list[PlannedRegion], counts: dict) -> None:
    DemoBuild.objects.update_or_create(
        id=1,
        defaults={
            "county_code": COUNTY[0],
            "size": spec.name,
            "seed": seed,
            "target_residents": spec.target_residents,
            "residents_by_village": {
                r.code: r.residents for r in regions if r.level == RegionLevel.VILLAGE
            },
            "counts": counts,
            "built_at": timezone.now(),
        },
    )


def _grids_changed() -> None:
    """Every process rebuilds its point → grid index after this commit."""
    grid_index_version_bump()

"""`pingan demo` end to end at the default size, its options, errors, and serving."""

from __future__ import annotations

import datetime
import io
import json
import os
import signal
import subprocess
import sys
from collections import defaultdict

import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError
from shapely.geometry import shape

from pingan.accounts.roles import Role
from pingan.demo import serve as serve_module
from pingan.demo.accounts import DEFAULT_PASSWORD
from pingan.demo.management.commands import demo as demo_command
from pingan.demo.models import DemoBuild
from pingan.regions.models import Region, RegionLevel
from pingan.workdays.models import SpecialDay, YearSchedule


@pytest.fixture
def home(settings, tmp_path):
    settings.PINGAN_HOME = tmp_path
    return tmp_path


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", *args, stdout=out)
    return out.getvalue()


def interior_overlaps(polygons) -> int:
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    return sum(
        1
        for a, b in zip(left, right, strict=True)
        if a < b and shapely.relate_pattern(polygons[a], polygons[b], "T********")
    )


@pytest.mark.django_db
def test_default_demo_builds_a_full_county_that_users_can_open(home, client):
    # Build time is measured by docs/benchmarks.md figures, not asserted here.
    output = run_demo()

    counts = defaultdict(int)
    for level in Region.objects.filter(code__startswith="99").values_list("level", flat=True):
        counts[level] += 1
    assert counts[RegionLevel.TOWN] >= 12
    assert counts[RegionLevel.VILLAGE] >= 150
    assert counts[RegionLevel.GRID] >= 600
    assert counts[RegionLevel.MICROGRID] > 0
    assert f"{counts[RegionLevel.GRID]} 个网格" in output
    assert str(home / "demo-accounts.json") in output

    # Every stored region's code extends its parent's; stored grids tile their village.
    regions = {r.code: r for r in Region.objects.filter(code__startswith="99")}
    grids_by_village = defaultdict(list)
    for region in regions.values():
        if region.parent_id:
            assert region.code.startswith(region.parent_id)
            assert len(region.code) - len(region.parent_id) in (2, 3)
        if region.level == RegionLevel.GRID:
            grids_by_village[region.parent_id].append(shape(region.geometry))
    assert len(grids_by_village) == counts[RegionLevel.VILLAGE]
    for village_code, grids in grids_by_village.items():
        village = shape(regions[village_code].geometry)
        union = shapely.union_all(grids)
        assert union.area / village.area > 0.999, village_code
        assert union.symmetric_difference(village).area < 1e-12, village_code
        assert interior_overlaps(grids) == 0, village_code

    accounts = json.loads((home / "demo-accounts.json").read_text(encoding="utf-8"))
    assert (home / "demo-accounts.json").stat().st_mode & 0o777 == 0o600
    assert {a["role"] for a in accounts} == {role.value for role in Role}
    for town in (r for r in regions.values() if r.level == RegionLevel.TOWN):
        roles = {a["role"] for a in accounts if a["unit_code"].startswith(town.code)}
        assert {Role.TOWN_OPERATOR, Role.GRID_WORKER} <= roles, town.code

    assert client.login(username="county_op", password=DEFAULT_PASSWORD)
    assert client.get("/").status_code == 200
    response = client.get("/api/v1/regions/990101/")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["level"]) == ("990101", "示范县", "county")
    assert body["geometry"] == regions["990101"].geometry


@pytest.mark.django_db
def test_county_size_is_a_benchmark_county_of_half_a_million(home):
    output = run_demo("--size", "county")
    levels = defaultdict(int)
    for level in Region.objects.filter(code__startswith="99").values_list("level", flat=True):
        levels[level] += 1
    assert levels[RegionLevel.TOWN] == 20
    assert 280 <= levels[RegionLevel.VILLAGE] <= 320
    assert levels[RegionLevel.GRID] >= 600
    build = DemoBuild.objects.get()
    assert (build.size, build.target_residents) == ("county", 500_000)
    assert sum(build.residents_by_village.values()) == 500_000
    assert "规模 county" in output


@pytest.mark.django_db
def test_the_demo_seeds_the_working_day_calendar(home):
    SpecialDay.objects.all().delete()
    YearSchedule.objects.all().delete()
    run_demo()
    # 2025-10-11 (Saturday) was a make-up working day for National Day.
    assert YearSchedule.objects.filter(year=2026).exists()
    assert SpecialDay.objects.filter(date=datetime.date(2025, 10, 11), kind="workday").exists()


@pytest.mark.django_db
def test_options_reach_the_build(home):
    output = run_demo("--seed", "5", "--password", "Other-Pass-2026")
    accounts = json.loads((home / "demo-accounts.json").read_text(encoding="utf-8"))
    assert {a["password"] for a in accounts} == {"Other-Pass-2026"}
    assert "种子 5" in output
    assert "Other-Pass-2026" in output


@pytest.mark.django_db
def test_a_weak_password_is_refused_with_a_clear_message(home):
    with pytest.raises(CommandError, match="密码不符合密码策略"):
        run_demo("--password", "password")
    assert not Region.objects.filter(code__startswith="99").exists()
    assert not (home / "demo-accounts.json").exists()


@pytest.mark.django_db
def test_an_unknown_size_is_refused(home):
    with pytest.raises(CommandError):
        run_demo("--size", "huge")
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_serving_prints_the_address_and_serves_on_the_port(home, monkeypatch):
    served = []
    monkeypatch.setattr(demo_command, "serve", served.append)
    out = io.StringIO()
    call_command("demo", "--port", "8123", stdout=out)
    assert served == [8123]
    assert "Pingan demo running at http://127.0.0.1:8123" in out.getvalue()
    assert str(home / "demo-accounts.json") in out.getvalue()


def test_port_comes_from_the_option_then_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "9090")
    assert demo_command.resolve_port(None) == 9090
    assert demo_command.resolve_port(8081) == 8081
    monkeypatch.delenv("PORT")
    assert demo_command.resolve_port(None) == 8000
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(CommandError, match="端口无效：eighty"):
        demo_command.resolve_port(None)
    with pytest.raises(CommandError, match="端口无效：70000"):
        demo_command.resolve_port(70000)


@pytest.mark.django_db
def test_a_bad_port_is_refused_before_anything_is_built(home):
    with pytest.raises(CommandError, match="端口无效"):
        call_command("demo", "--port", "0", stdout=io.StringIO())
    assert not Region.objects.filter(code__startswith="99").exists()


REAL_POPEN = subprocess.Popen  # the tests patch subprocess.Popen itself


class _Sleeper:
    """Stands in for the consumer: a real child process that would run for a minute."""

    def __init__(self):
        self.processes = []

    def __call__(self, argv, **kwargs):
        assert argv[-2:] == ["pingan", "run_huey"]
        assert kwargs["env"]["DJANGO_SETTINGS_MODULE"]
        process = REAL_POPEN([sys.executable, "-c", "import time; time.sleep(60)"])
        self.processes.append(process)
        return process


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_the_task_consumer_stops_when_the_server_stops(monkeypatch, settings, stop):
    settings.DEBUG = True
    sleeper = _Sleeper()
    calls = []

    def fake_call_command(name, *args, **kwargs):
        calls.append((name, args, kwargs))
        assert len(sleeper.processes) == 1  # the consumer runs before the server starts
        raise stop()

    monkeypatch.setattr(serve_module.subprocess, "Popen", sleeper)
    monkeypatch.setattr(serve_module, "call_command", fake_call_command)
    if stop is KeyboardInterrupt:
        serve_module.serve(8124)  # Ctrl-C ends the demo quietly
    else:
        with pytest.raises(SystemExit):
            serve_module.serve(8124)
    assert calls == [("runserver", ("127.0.0.1:8124",), {"use_reloader": False})]
    (process,) = sleeper.processes
    assert process.poll() is not None  # terminated, not left behind


def test_without_debug_static_files_are_collected_first(monkeypatch, settings):
    settings.DEBUG = False
    sleeper = _Sleeper()
    calls = []

    def fake_call_command(name, *args, **kwargs):
        calls.append(name)
        if name == "runserver":
            raise KeyboardInterrupt

    monkeypatch.setattr(serve_module.subprocess, "Popen", sleeper)
    monkeypatch.setattr(serve_module, "call_command", fake_call_command)
    serve_module.serve(8125)
    assert calls == ["collectstatic", "runserver"]
    assert sleeper.processes[0].poll() is not None


def test_sigterm_ends_the_server_like_an_exit(monkeypatch, settings):
    settings.DEBUG = True
    sleeper = _Sleeper()

    def fake_call_command(name, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)  # as `kill <pid>` would while serving

    monkeypatch.setattr(serve_module.subprocess, "Popen", sleeper)
    monkeypatch.setattr(serve_module, "call_command", fake_call_command)
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as exit_info:
        serve_module.serve(8126)
    assert exit_info.value.code == 128 + signal.SIGTERM
    assert sleeper.processes[0].poll() is not None
    assert signal.getsignal(signal.SIGTERM) == previous


def test_a_consumer_that_ignores_sigterm_is_killed():
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print(1, flush=True); time.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert process.stdout.readline().strip() == b"1"  # the handler is installed
    serve_module.stop_process(process, timeout=0.2)
    assert process.returncode == -9
    process.stdout.close()

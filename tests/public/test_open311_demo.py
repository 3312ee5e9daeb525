"""`pingan demo` issues one Open311 client key and writes it to demo-open311-key.txt."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from pingan.demo.builder import build_demo
from pingan.demo.sizes import SIZES
from pingan.public.models import Open311Client, PublicReport
from pingan.public.open311.services import client_for_key
from pingan.regions.models import Region
from tests.demo.factories import TINY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def a_point_in_the_demo_county() -> tuple[float, float]:
    grid = Region.objects.filter(code__startswith="990101", level="grid").order_by("code").first()
    return grid.centroid_lng, grid.centroid_lat


def test_demo_writes_one_working_key_and_a_rebuild_replaces_it(tmp_path, client):
    result = build_demo(spec=TINY, seed=7, home=tmp_path)
    path = tmp_path / "demo-open311-key.txt"
    key = path.read_text(encoding="utf-8")
    assert key == result.open311_key + "\n" and key.count("\n") == 1
    assert path.stat().st_mode & 0o777 == 0o600
    demo_client = client_for_key(key.strip())
    assert (demo_client.region_id, demo_client.active) == ("990101", True)

    lng, lat = a_point_in_the_demo_county()
    response = client.post(
        "/open311/v2/requests.json",
        {"api_key": key.strip(), "service_code": "0112", "lat": lat, "long": lng},
    )
    assert response.status_code == 200
    assert PublicReport.objects.filter(client=demo_client).count() == 1

    # Re-running the demo (with a public report on a demo case) succeeds with a new key.
    again = build_demo(spec=TINY, seed=7, home=tmp_path)
    new_key = path.read_text(encoding="utf-8").strip()
    assert new_key == again.open311_key != key.strip()
    assert client_for_key(key.strip()) is None
    assert Open311Client.objects.get() == client_for_key(new_key)
    # The Open311 report went with its case; the demo's own citizen reports have no client.
    assert not PublicReport.objects.filter(client__isnull=False).exists()
    assert PublicReport.objects.count() == again.counts["public_reports"]


def test_demo_command_prints_the_key(settings, tmp_path, monkeypatch):
    settings.PINGAN_HOME = tmp_path
    monkeypatch.setitem(SIZES, "small", TINY)
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    key = (tmp_path / "demo-open311-key.txt").read_text(encoding="utf-8").strip()
    assert f"Open311 接入密钥（示范县）：{key}（已写入 {tmp_path / 'demo-open311-key.txt'}）" in (
        out.getvalue()
    )

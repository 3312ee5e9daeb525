"""The installable shell: manifest, service worker script and its precache list."""

import json
import re

import pytest
from django.test import Client

from pingan.mobile import shell

pytestmark = pytest.mark.django_db


def precache_list(script: str) -> list[str]:
    match = re.search(r"^const PRECACHE = (\[.*\]);$", script, re.M)
    assert match, script[:400]
    return json.loads(match.group(1))


def test_service_worker_is_public_javascript_scoped_to_m_and_never_http_cached(db):
    response = Client().get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/m/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert f'const VERSION = "{shell.shell_version()}";' in script
    assert 'importScripts("/static/mobile/idb.js", "/static/mobile/queue.js");' in script
    assert 'const SHELL_URL = "/m/";' in script
    assert "&quot;" not in script and "&#x27;" not in script  # not HTML-escaped


def test_precache_lists_the_pages_static_files_category_tasks_and_map(db):
    urls = precache_list(Client().get("/m/sw.js").content.decode())
    assert urls == [
        "/m/",
        "/m/report/",
        "/m/tasks/",
        "/m/people/",
        "/m/houses/",
        "/m/people/new/",
        "/m/visit/",
        "/m/notifications/",
        "/m/manifest.webmanifest",
        "/static/mobile/mobile.css",
        "/static/mobile/idb.js",
        "/static/mobile/queue.js",
        "/static/mobile/app.js",
        "/static/mobile/report.js",
        "/static/mobile/tasks.js",
        "/static/mobile/snapshot.js",
        "/static/mobile/idcard.js",
        "/static/mobile/registry.js",
        "/static/mobile/person-form.js",
        "/static/mobile/visit.js",
        "/static/mobile/gridmap.js",
        "/static/mobile/notices.js",
        "/static/mobile/icons/icon.svg",
        "/static/mobile/icons/icon-192.png",
        "/static/mobile/icons/icon-512.png",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet/leaflet.js",
        "/api/v1/events/categories/",
        "/api/v1/cases/?inbox=todo&limit=100",
        "/api/v1/mobile/map/",
    ]
    # The people/houses snapshot is kept by the pages in IndexedDB, not precached.
    assert "/api/v1/mobile/snapshot/" not in urls


def test_every_precached_url_resolves_to_200_for_a_grid_worker(worker_client, static_served):
    urls = precache_list(worker_client.get("/m/sw.js").content.decode())
    statuses = {url: worker_client.get(url).status_code for url in urls}
    assert statuses == dict.fromkeys(urls, 200)
    categories = worker_client.get("/api/v1/events/categories/").json()
    assert {"code": "0204", "name": "邻里纠纷", "parent": "02"} in categories


def test_the_version_changes_when_a_shell_file_changes(db, settings, tmp_path):
    before = shell._digest()
    copy = tmp_path / "mobile"
    copy.mkdir()
    settings.STATICFILES_DIRS = [tmp_path, *settings.STATICFILES_DIRS]
    (copy / "app.js").write_text("// changed")
    assert shell._digest() != before


def test_manifest_is_chinese_with_icons_that_resolve(db, static_served):
    client = Client()
    response = client.get("/m/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert (data["name"], data["short_name"], data["lang"]) == ("平安网格员", "平安网格", "zh-CN")
    assert (data["start_url"], data["scope"], data["display"]) == ("/m/", "/m/", "standalone")
    assert [(i["src"], i["sizes"], i["type"]) for i in data["icons"]] == [
        ("/static/mobile/icons/icon.svg", "any", "image/svg+xml"),
        ("/static/mobile/icons/icon-192.png", "192x192", "image/png"),
        ("/static/mobile/icons/icon-512.png", "512x512", "image/png"),
    ]
    for icon in data["icons"]:
        body = b"".join(client.get(icon["src"]).streaming_content)
        if icon["type"] == "image/png":
            size = int(icon["sizes"].split("x")[0])
            # PNG signature, then IHDR width and height (big-endian).
            assert body[:8] == b"\x89PNG\r\n\x1a\n"
            assert int.from_bytes(body[16:20], "big") == size
            assert int.from_bytes(body[20:24], "big") == size
        else:
            assert body.startswith(b"<svg")

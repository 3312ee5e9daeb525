"""Page shell: vendored assets, htmx CSRF header, language switch, error pages, admin title."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views.defaults import permission_denied, server_error

from pingan.accounts.roles import Role
from tests.factories import make_actor
from tests.web.factories import TOWN_A, build_county, sign_in

pytestmark = pytest.mark.django_db

VENDOR_FILES = [
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.js.map",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/images/layers.png",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/LICENSE",
    "vendor/htmx/htmx.min.js",
    "vendor/htmx/LICENSE",
    "vendor/README.md",
]


@pytest.fixture
def town_client(client):
    build_county()
    sign_in(client, make_actor(Role.TOWN_OPERATOR, TOWN_A))
    return client


@pytest.mark.parametrize("path", VENDOR_FILES)
def test_vendored_files_are_served_from_static(path):
    found = finders.find(path)
    assert found, path
    assert Path(found).stat().st_size > 100


def test_vendored_versions_are_the_documented_ones():
    leaflet = Path(finders.find("vendor/leaflet/leaflet.js")).read_text(encoding="utf-8")
    assert 't.version="1.9.4"' in leaflet
    htmx = Path(finders.find("vendor/htmx/htmx.min.js")).read_text(encoding="utf-8")
    assert 'version:"2.0.11"' in htmx.replace(" ", "")


def test_pages_reference_vendored_assets_and_no_cdn(town_client):
    html = town_client.get("/").content.decode()

    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in html
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">' in html
    assert '<script src="/static/pingan/home-map.js"></script>' in html
    # Every script and stylesheet is served by us.
    for url in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html):
        assert url.startswith("/static/"), url


def test_htmx_requests_carry_the_csrf_token(town_client):
    response = town_client.get("/")
    html = response.content.decode()
    match = re.search(r"""<body[^>]* hx-headers='\{"X-CSRFToken": "([A-Za-z0-9]+)"\}'""", html)
    assert match
    token = match.group(1)
    # The token in the header is accepted for a POST made the way htmx makes it.
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = town_client.cookies
    ok = strict.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 302


def test_shell_shows_position_switch_language_and_logout(town_client):
    html = town_client.get("/").content.decode()

    assert '<span class="position-unit">甲镇</span>' in html
    assert '<span class="position-role">乡镇综治中心操作员</span>' in html
    assert '<a class="position-switch" href="/accounts/position/">切换岗位</a>' in html
    assert '<form class="lang-switch" action="/i18n/setlang/" method="post">' in html
    assert '<option value="en">English</option>' in html
    logout = r'<form method="post" action="/accounts/logout/">\s*<input type="hidden" name="csrfm'
    assert re.search(logout, html)
    assert '<a href="/" class="active" aria-current="page">首页</a>' in html
    assert '<html lang="zh-hans">' in html


def test_home_renders_in_english_after_switching_language(town_client):
    response = town_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    html = town_client.get("/").content.decode()

    assert '<html lang="en">' in html
    assert "<h1>Home</h1>" in html
    assert "My region" in html
    assert "Villages and communities of this township" in html
    assert "Switch position" in html
    assert "Sign out" in html
    assert '<option value="en" selected>English</option>' in html

    town_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "<h1>首页</h1>" in town_client.get("/").content.decode()


def test_404_page_is_chinese_for_anonymous_and_signed_in(client, town_client):
    anonymous = Client().get("/no-such-page/")
    assert anonymous.status_code == 404
    assert "页面不存在" in anonymous.content.decode()

    signed_in = town_client.get("/no-such-page/")
    assert signed_in.status_code == 404
    html = signed_in.content.decode()
    assert "<title>页面不存在 · 平安建设信息系统</title>" in html
    assert "甲镇" in html  # the shell still shows the current position


def test_500_page_renders_without_request_context():
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器错误" in html
    assert "平安建设信息系统" in html


def test_403_page_is_chinese_and_keeps_the_shell():
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert "<title>无权访问 · 平安建设信息系统</title>" in html
    assert "您当前的岗位没有访问这个页面的权限" in html


def test_csrf_failure_page_is_chinese():
    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_admin_title_is_chinese(client):
    sign_in(client, make_actor(Role.SYSTEM_ADMIN, "990101"))
    html = client.get("/admin/").content.decode()
    assert "<title>系统管理 | 平安建设信息系统 管理后台</title>" in html
    assert "平安建设信息系统 管理后台" in html


def test_custom_site_name_is_shown_verbatim(town_client, settings):
    settings.PINGAN_SITE_NAME = "示范县平安建设信息平台"
    html = town_client.get("/").content.decode()
    assert '<span class="brand-name">示范县平安建设信息平台</span>' in html


def test_map_tiles_only_when_configured(town_client, settings):
    settings.PINGAN_MAP_TILE_URL = ""
    assert 'data-tile-url=""' in town_client.get("/").content.decode()
    settings.PINGAN_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    settings.PINGAN_MAP_TILE_ATTRIBUTION = "天地图"
    html = town_client.get("/").content.decode()
    assert 'data-tile-url="https://tiles.example.gov.cn/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="天地图"' in html


def test_english_catalogue_is_compiled_in_the_tree():
    mo = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    assert mo.exists()


def test_browser_language_does_not_override_the_chinese_default(town_client):
    html = town_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<h1>首页</h1>" in html

    anonymous = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert "页面不存在" in anonymous.content.decode()
    assert anonymous["Content-Language"] == "zh-hans"


def test_unknown_language_cookie_falls_back_to_chinese(town_client):
    town_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "<h1>首页</h1>" in town_client.get("/").content.decode()
    town_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = town_client.get("/")
    assert "<h1>Home</h1>" in response.content.decode()
    assert response["Content-Language"] == "en"

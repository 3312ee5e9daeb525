"""The offline shell: what the service worker precaches and the web app manifest.

The precache list is built here (not hand-written in sw.js) so it always names URLs that
exist: page routes by `reverse`, static files through the static storage (hashed names in
production). The cache version is a digest of those files, so a deploy that changes any of
them makes phones fetch the new shell.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

CATEGORIES_URL = "/api/v1/events/categories/"
TODO_URL = "/api/v1/cases/?inbox=todo&limit=100"
MAP_URL = "/api/v1/mobile/map/"
# Kept by the pages in IndexedDB (not in the service worker's cache).
SNAPSHOT_URL = "/api/v1/mobile/snapshot/"
PERSON_URL = "/api/v1/mobile/people/"
STATIC_FILES = (
    "mobile/mobile.css",
    "mobile/idb.js",
    "mobile/queue.js",
    "mobile/app.js",
    "mobile/report.js",
    "mobile/tasks.js",
    "mobile/snapshot.js",
    "mobile/idcard.js",
    "mobile/registry.js",
    "mobile/person-form.js",
    "mobile/visit.js",
    "mobile/gridmap.js",
    "mobile/notices.js",
    "mobile/icons/icon.svg",
    "mobile/icons/icon-192.png",
    "mobile/icons/icon-512.png",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
)
PAGE_NAMES = (
    "mobile:home",
    "mobile:report",
    "mobile:tasks",
    "mobile:people",
    "mobile:houses",
    "mobile:person-new",
    "mobile:visit",
    "mobile:notifications",
)
THEME_COLOR = "#1f6f50"


def page_urls() -> list[str]:
    return [reverse(name) for name in PAGE_NAMES]


def static_urls() -> list[str]:
    return [static(path) for path in STATIC_FILES]


def precache_urls() -> list[str]:
    """Everything the service worker stores on install: pages, manifest, static files, the
    category list the report form needs offline, the task list and the mini-map as of
    install. The people/houses snapshot is not here: the pages keep it in IndexedDB."""
    return [
        *page_urls(),
        reverse("mobile:manifest"),
        *static_urls(),
        CATEGORIES_URL,
        TODO_URL,
        MAP_URL,
    ]


def _digest() -> str:
    digest = hashlib.sha256()
    for path in STATIC_FILES:
        found = finders.find(path)
        if found:
            digest.update(Path(found).read_bytes())
    digest.update(get_template("mobile/sw.js").template.source.encode())
    digest.update("\n".join(precache_urls()).encode())
    return digest.hexdigest()[:12]


_cached_digest = lru_cache(maxsize=1)(_digest)


def shell_version() -> str:
    # In development files change under a running server; in production they do not.
    return _digest() if settings.DEBUG else _cached_digest()


def manifest() -> dict:
    icons = "mobile/icons/"
    return {
        "name": _("平安网格员"),
        "short_name": _("平安网格"),
        "description": _("网格员上报事件、办理任务、登记人员和走访，离线也能用。"),
        "lang": "zh-CN",
        "start_url": reverse("mobile:home"),
        "scope": reverse("mobile:home"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static(icons + "icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static(icons + "icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {
                "src": static(icons + "icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }

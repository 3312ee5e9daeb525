"""Helpers shared by the portal tests (tests/public/test_portal*.py)."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pingan.flow.models import Case
from pingan.public.models import PublicReport
from tests.flow.factories import IN_G1, act

PHONE = "13812345678"
OTHER_PHONE = "13987654321"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64


def form_token(client: Client) -> str:
    page = client.get("/portal/report/")
    assert page.status_code == 200
    match = re.search(r'name="idem" value="([^"]+)"', page.content.decode())
    assert match, "the report form carries an idempotency token"
    return match.group(1)


def report_data(client: Client, **over) -> dict:
    data = {
        "idem": form_token(client),
        "category": "0204",
        "description": "楼道里的路灯坏了一个月，晚上很黑。",
        "lat": str(IN_G1[1]),
        "lng": str(IN_G1[0]),
        "address": "示范村三组",
        "phone": PHONE,
        "name": "王女士",
        "website": "",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def photo(name: str = "scene.jpg", content: bytes = JPEG, kind: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=kind)


def post_report(client: Client, **over):
    return client.post("/portal/report/", report_data(client, **over))


def only_case() -> Case:
    return PublicReport.objects.select_related("case").get().case


def close(world, case: Case) -> Case:
    """Drive a freshly reported case to `closed` through the village and the grid worker."""
    for actor, action in [
        (world.village, "accept"),
        (world.village, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.village, "close"),
    ]:
        case = act(actor, case, action)
    return case


def submitted_code(client: Client) -> tuple[str, str]:
    """Case number and query code from the result page the report redirected to."""
    page = client.get("/portal/report/done/")
    assert page.status_code == 200
    html = page.content.decode()
    number = re.search(r'id="case-number">([^<]+)<', html).group(1)
    code = re.search(r'id="query-code">(\d{6})<', html).group(1)
    return number, code

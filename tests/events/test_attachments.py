"""Attachments: upload with magic-byte checks, limits, scope, download, photos on report."""

import hashlib
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.events.attachments import sniff_type
from pingan.events.models import Attachment, EventDetail
from pingan.flow.models import Case
from tests.flow.factories import IN_G1, IN_G3, api_client, report

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
BAD_TYPE = "不是允许的文件类型，只能上传 JPEG、PNG、WebP 图片或 PDF 文件。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(media) -> list[Path]:
    root = Path(media)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def url(case):
    return f"/api/v1/cases/{case.number}/attachments/"


def test_sniff_type_uses_magic_bytes():
    assert [sniff_type(x[:16]) for x in (JPEG, PNG, WEBP, PDF, GIF, b"")] == [
        "image/jpeg",
        "image/png",
        "image/webp",
        "application/pdf",
        None,
        None,
    ]


def test_upload_list_and_download(world, media):
    case = report(world.grid_worker)
    client = api_client(world.grid_worker)
    response = client.post(
        url(case),
        {"files": [upload("现场.jpg", JPEG), upload("scan.png", PNG), upload("x.pdf", PDF)]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    rows = response.json()
    assert [(r["original_name"], r["content_type"], r["size"]) for r in rows] == [
        ("现场.jpg", "image/jpeg", len(JPEG)),
        ("scan.png", "image/png", len(PNG)),
        ("x.pdf", "application/pdf", len(PDF)),
    ]
    assert rows[0]["sha256"] == hashlib.sha256(JPEG).hexdigest()
    first = Attachment.objects.get(pk=rows[0]["id"])
    local = timezone.localtime(first.created_at)
    assert first.file.name.startswith(f"attachments/{local:%Y}/{local:%m}/")
    assert first.file.name.endswith(".jpg") and "现场" not in first.file.name
    assert len(stored_files(media)) == 3
    audit = AuditRecord.objects.filter(action="case.attachment_add").get()
    assert audit.object_id == case.number
    assert [a["type"] for a in audit.detail["attachments"]] == [
        "image/jpeg",
        "image/png",
        "application/pdf",
    ]

    listing = api_client(world.town).get(url(case))
    assert listing.status_code == 200
    assert [r["original_name"] for r in listing.json()] == ["现场.jpg", "scan.png", "x.pdf"]

    download = api_client(world.town).get(rows[0]["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == JPEG
    pdf = api_client(world.town).get(rows[2]["url"])
    assert pdf["Content-Disposition"].startswith("attachment")
    assert AuditRecord.objects.filter(action="case.attachment_download").count() == 2


def test_wrong_type_and_mismatched_extension_are_field_errors_nothing_saved(world, media):
    case = report(world.grid_worker)
    client = api_client(world.grid_worker)
    response = client.post(
        url(case),
        {
            "files": [
                upload("ok.jpg", JPEG),
                upload("animation.gif", GIF, "image/gif"),
                upload("fake.jpg", b"MZ\x90\x00 this is an exe"),
                upload("photo.png", JPEG, "image/png"),
            ]
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {
        "files": [
            "第 2 个文件（animation.gif）" + BAD_TYPE,
            "第 3 个文件（fake.jpg）" + BAD_TYPE,
            "第 4 个文件（photo.png）的扩展名与文件内容不符。",
        ]
    }
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []
    assert not AuditRecord.objects.filter(action="case.attachment_add").exists()


def test_size_limit_setting(world, settings, media):
    settings.PINGAN_ATTACHMENT_MAX_BYTES = 50
    case = report(world.grid_worker)
    response = api_client(world.grid_worker).post(
        url(case), {"files": [upload("big.jpg", JPEG)]}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"files": ["第 1 个文件（big.jpg）超过大小上限 50 B。"]}
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_at_most_nine_per_case(world, media):
    case = report(world.grid_worker)
    client = api_client(world.grid_worker)
    first = client.post(
        url(case), {"files": [upload(f"{i}.jpg", JPEG) for i in range(7)]}, format="multipart"
    )
    assert first.status_code == 201
    response = client.post(
        url(case), {"files": [upload(f"x{i}.png", PNG) for i in range(3)]}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"files": ["每个案件最多 9 个附件，已有 7 个，本次上传 3 个。"]}
    assert Attachment.objects.filter(case=case).count() == 7
    assert len(stored_files(media)) == 7
    empty = client.post(url(case), {}, format="multipart")
    assert empty.status_code == 400
    assert empty.json() == {"files": ["请选择要上传的文件。"]}


def test_scope_is_404_for_list_upload_and_download(world, media):
    case = report(world.grid_worker)
    response = api_client(world.grid_worker).post(
        url(case), {"files": [upload("a.webp", WEBP)]}, format="multipart"
    )
    assert response.status_code == 201
    attachment_url = response.json()[0]["url"]
    outsider = api_client(world.town2)  # another town: cannot see the case
    assert outsider.get(url(case)).status_code == 404
    assert (
        outsider.post(url(case), {"files": [upload("b.jpg", JPEG)]}, format="multipart")
    ).status_code == 404
    assert outsider.get(attachment_url).status_code == 404
    assert api_client(world.town2).get("/api/v1/attachments/999999/").status_code == 404
    assert Attachment.objects.count() == 1


def test_leaders_read_but_cannot_upload(world, media):
    case = report(world.grid_worker)
    leader = api_client(world.leader)
    assert leader.get(url(case)).status_code == 200
    denied = leader.post(url(case), {"files": [upload("a.jpg", JPEG)]}, format="multipart")
    assert denied.status_code == 403
    assert Attachment.objects.count() == 0


def event_form(point=IN_G1, **extra):
    data = {
        "category": "0204",
        "description": "两户因排水沟堵塞发生争执",
        "lng": str(point[0]),
        "lat": str(point[1]),
        "idempotency_key": "pwa-1",
    }
    data.update(extra)
    return data


def test_report_with_photos_multipart_and_idempotent_repeat(world, media):
    client = api_client(world.grid_worker)
    form = event_form(photos=[upload("1.jpg", JPEG), upload("2.png", PNG)])
    response = client.post("/api/v1/events/", form, format="multipart")
    assert response.status_code == 201, response.json()
    case = Case.objects.get(number=response.json()["number"])
    assert list(case.attachments.values_list("original_name", flat=True)) == ["1.jpg", "2.png"]
    again = client.post(
        "/api/v1/events/", event_form(photos=[upload("1.jpg", JPEG)]), format="multipart"
    )
    assert again.status_code == 200
    assert again.json()["number"] == case.number
    assert Attachment.objects.count() == 2 and len(stored_files(media)) == 2


def test_report_with_bad_photo_saves_nothing_and_lists_all_errors(world, media):
    client = api_client(world.grid_worker)
    form = event_form(point=IN_G3, description="", photos=[upload("x.gif", GIF, "image/gif")])
    form.pop("lng")
    response = client.post("/api/v1/events/", form, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "description": ["请填写事件描述。"],
        "lng": ["请提供事件位置（经纬度）。"],
        "photos": ["第 1 个文件（x.gif）" + BAD_TYPE],
    }
    assert Case.objects.count() == 0 and EventDetail.objects.count() == 0
    assert stored_files(media) == []
    ten = event_form(photos=[upload(f"{i}.jpg", JPEG) for i in range(10)])
    response = client.post("/api/v1/events/", ten, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"photos": ["每个案件最多 9 个附件，已有 0 个，本次上传 10 个。"]}
    assert Case.objects.count() == 0 and stored_files(media) == []


def test_report_rolls_back_photos_when_the_event_fails(world, media):
    # Outside every grid without a unit: the event fails after the photos passed.
    form = event_form(point=(103.5, 26.5), photos=[upload("1.jpg", JPEG)])
    response = api_client(world.grid_worker).post("/api/v1/events/", form, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"unit": ["该位置不在任何网格内，请选择接收单位。"]}
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_stored_files_are_removed_when_the_transaction_fails(world, media):
    case = report(world.grid_worker)
    boom = mock.patch("pingan.events.attachments.audit_log", side_effect=RuntimeError("boom"))
    with boom, pytest.raises(RuntimeError):
        api_client(world.grid_worker).post(
            url(case), {"files": [upload("a.jpg", JPEG)]}, format="multipart"
        )
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_default_limit_is_ten_megabytes(world, media):
    case = report(world.grid_worker)
    big = JPEG + b"\x00" * (10 * 1024 * 1024)
    response = api_client(world.grid_worker).post(
        url(case), {"files": [upload("big.jpg", big)]}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"files": ["第 1 个文件（big.jpg）超过大小上限 10 MB。"]}

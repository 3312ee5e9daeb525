"""Visit photos: checked by content, stored under MEDIA_ROOT, served only through the scoped,
audited view; idempotent visits and photo uploads."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from pingan.audit.models import AuditRecord
from pingan.registry.models import RegistrySubmission, Visit, VisitPhoto
from pingan.registry.services import visit_record
from pingan.registry.services.submissions import visit_record_idempotent
from pingan.registry.services.visit_photos import MAX_PER_VISIT, visit_photos_add
from tests.registry.factories import api_client

pytestmark = pytest.mark.django_db
ICON = Path(__file__).parents[2] / "pingan/static/mobile/icons/icon-192.png"
PNG = ICON.read_bytes()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
HTML = b"<html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def visit(world) -> Visit:
    return visit_record(actor=world.grid_a1a, card=world.mental_a, method="01", risk_level=3)


@pytest.fixture
def visit_b(world) -> Visit:
    return visit_record(actor=world.town_b, card=world.mental_b, method="01", risk_level=0)


def test_photos_are_stored_under_media_root_with_a_random_name(world, visit, _media):
    rows, created = visit_photos_add(
        actor=world.grid_a1a,
        visit=visit,
        files=[upload("门口.png", PNG), upload("a.jpg", JPEG, "image/jpeg")],
    )
    assert created is True
    assert [(r.content_type, r.original_name, r.size) for r in rows] == [
        ("image/png", "门口.png", len(PNG)),
        ("image/jpeg", "a.jpg", len(JPEG)),
    ]
    for row in rows:
        path = Path(row.file.path)
        assert path.is_relative_to(_media / "visit_photos")
        assert "门口" not in path.name and path.name != "a.jpg"
        assert path.suffix == {"image/png": ".png", "image/jpeg": ".jpg"}[row.content_type]
    assert Path(rows[0].file.path).read_bytes() == PNG
    record = AuditRecord.objects.get(action="registry.visit_photo.add")
    assert (record.object_type, record.object_id, record.region_code) == (
        "registry.visit",
        str(visit.pk),
        visit.region_code,
    )
    assert [p["id"] for p in record.detail["photos"]] == [r.pk for r in rows]


def test_type_is_decided_by_content_and_nothing_is_saved_on_any_error(world, visit, _media):
    with pytest.raises(ValidationError) as info:
        visit_photos_add(
            actor=world.grid_a1a,
            visit=visit,
            files=[
                upload("ok.png", PNG),
                upload("fake.png", HTML),  # an HTML page named .png
                upload("scan.pdf", PDF, "application/pdf"),  # case attachments take PDFs
                upload("photo.jpg", PNG),  # PNG bytes under a .jpg name
                upload("empty.png", b""),
            ],
        )
    assert info.value.message_dict == {
        "photos": [
            "第 2 个文件（fake.png）不是允许的文件类型，只能上传 JPEG、PNG、WebP 图片。",
            "第 3 个文件（scan.pdf）不是允许的文件类型，只能上传 JPEG、PNG、WebP 图片。",
            "第 4 个文件（photo.jpg）的扩展名与文件内容不符。",
            "第 5 个文件（empty.png）是空文件。",
        ]
    }
    assert VisitPhoto.objects.count() == 0
    assert not (_media / "visit_photos").exists()


def test_size_and_count_limits(world, visit, settings):
    settings.PINGAN_ATTACHMENT_MAX_BYTES = len(PNG) - 1
    with pytest.raises(ValidationError) as info:
        visit_photos_add(actor=world.grid_a1a, visit=visit, files=[upload("big.png", PNG)])
    assert info.value.message_dict["photos"][0].startswith("第 1 个文件（big.png）超过大小上限")
    settings.PINGAN_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    visit_photos_add(
        actor=world.grid_a1a, visit=visit, files=[upload(f"{n}.png", PNG) for n in range(7)]
    )
    with pytest.raises(ValidationError) as info:
        visit_photos_add(
            actor=world.grid_a1a, visit=visit, files=[upload(f"{n}.png", PNG) for n in range(3)]
        )
    assert info.value.message_dict == {
        "photos": [f"每次走访最多 {MAX_PER_VISIT} 张照片，已有 7 张，本次上传 3 张。"]
    }
    assert VisitPhoto.objects.filter(visit=visit).count() == 7
    with pytest.raises(ValidationError) as info:
        visit_photos_add(actor=world.grid_a1a, visit=visit, files=[])
    assert info.value.message_dict == {"photos": ["请选择要上传的照片。"]}


def test_case_attachments_still_take_pdfs_through_the_shared_check():
    from pingan.core.uploads import check_uploads
    from pingan.events.attachments import check_files

    assert [f.content_type for f in check_files([upload("a.pdf", PDF, "application/pdf")])] == [
        "application/pdf"
    ]
    checked, errors = check_uploads([upload("a.pdf", PDF)], limit=1000, allowed={"image/png"})
    assert (checked, errors) == (
        [],
        ["第 1 个文件（a.pdf）不是允许的文件类型，只能上传 PNG 图片。"],
    )


def test_same_key_twice_stores_the_photos_once(world, visit):
    first, created = visit_photos_add(
        actor=world.grid_a1a, visit=visit, files=[upload("a.png", PNG)], idempotency_key="k1:photos"
    )
    again, created_again = visit_photos_add(
        actor=world.grid_a1a,
        visit=visit,
        files=[upload("a.png", PNG), upload("b.png", PNG)],
        idempotency_key="k1:photos",
    )
    assert (created, created_again) == (True, False)
    assert [p.pk for p in again] == [p.pk for p in first]
    assert VisitPhoto.objects.count() == 1
    assert AuditRecord.objects.filter(action="registry.visit_photo.add").count() == 1


def test_a_key_used_for_another_visit_is_refused(world, visit):
    other = visit_record(actor=world.grid_a1a, card=world.mental_a, method="02", risk_level=3)
    visit_photos_add(
        actor=world.grid_a1a, visit=visit, files=[upload("a.png", PNG)], idempotency_key="k2"
    )
    with pytest.raises(ValidationError) as info:
        visit_photos_add(
            actor=world.grid_a1a, visit=other, files=[upload("a.png", PNG)], idempotency_key="k2"
        )
    assert info.value.message_dict == {"idempotency_key": ["该幂等键已用于其他记录。"]}
    assert VisitPhoto.objects.filter(visit=other).count() == 0


def test_out_of_scope_and_read_only_uploads_are_denied(world, visit, visit_b):
    with pytest.raises(PermissionDenied):
        visit_photos_add(actor=world.grid_a1a, visit=visit_b, files=[upload("a.png", PNG)])
    with pytest.raises(PermissionDenied):
        visit_photos_add(actor=world.leader, visit=visit, files=[upload("a.png", PNG)])
    with pytest.raises(PermissionDenied):
        visit_photos_add(actor=world.weijian, visit=visit, files=[upload("a.png", PNG)])
    assert VisitPhoto.objects.count() == 0


# --- Idempotent visits -----------------------------------------------------------------------


def test_same_visit_key_twice_records_one_visit(world):
    card = world.mental_a
    first, created = visit_record_idempotent(
        actor=world.grid_a1a, card=card, idempotency_key="v-1", method="01", risk_level=2
    )
    again, created_again = visit_record_idempotent(
        actor=world.grid_a1a, card=card, idempotency_key="v-1", method="02", risk_level=5
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Visit.objects.filter(card=card).count() == 1
    card.refresh_from_db()
    assert card.risk_level == 2  # the repeat changed nothing
    assert AuditRecord.objects.filter(action="registry.visit.create").count() == 1
    submission = RegistrySubmission.objects.get()
    assert (submission.key, submission.object_type, submission.object_id) == (
        "v-1",
        "registry.visit",
        first.pk,
    )


def test_a_failed_visit_keeps_no_key_so_the_corrected_retry_is_recorded(world):
    with pytest.raises(ValidationError):
        visit_record_idempotent(
            actor=world.grid_a1a, card=world.mental_a, idempotency_key="v-2", method="飞鸽"
        )
    assert RegistrySubmission.objects.count() == 0
    visit, created = visit_record_idempotent(
        actor=world.grid_a1a, card=world.mental_a, idempotency_key="v-2", method="01", risk_level=1
    )
    assert created is True
    assert Visit.objects.get() == visit


def test_keys_are_per_user(world):
    card = world.mental_a
    visit_record_idempotent(
        actor=world.grid_a1a, card=card, idempotency_key="same", method="01", risk_level=1
    )
    _, created = visit_record_idempotent(
        actor=world.village_a1, card=card, idempotency_key="same", method="01", risk_level=1
    )
    assert created is True
    assert Visit.objects.filter(card=card).count() == 2


# --- API -------------------------------------------------------------------------------------


def test_visit_api_with_a_key_answers_201_then_200_with_the_same_visit(world):
    client = api_client(world.grid_a1a)
    url = f"/api/v1/cards/{world.mental_a.pk}/visits/"
    body = {"method": "入户走访", "risk_level": 3, "notes": "情绪稳定", "idempotency_key": "k-9"}
    first = client.post(url, body, format="json")
    again = client.post(url, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Visit.objects.count() == 1
    bad = client.post(url, {**body, "idempotency_key": "有空格 的键"}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"idempotency_key": ["幂等键应为 1–64 位字母、数字或 _.:- 。"]}


def test_photo_api_upload_list_and_view_is_audited(world, visit):
    client = api_client(world.grid_a1a)
    url = f"/api/v1/visits/{visit.pk}/photos/"
    data = {"photos": [upload("a.png", PNG)], "idempotency_key": "k-1:photos"}
    first = client.post(url, data, format="multipart")
    assert first.status_code == 201
    photo = first.json()[0]
    assert photo["url"] == f"/api/v1/visit-photos/{photo['id']}/"
    again = client.post(
        url, {"photos": [upload("a.png", PNG)], "idempotency_key": "k-1:photos"}, format="multipart"
    )
    assert again.status_code == 200
    assert [p["id"] for p in again.json()] == [photo["id"]]
    assert [p["id"] for p in client.get(url).json()] == [photo["id"]]

    response = client.get(photo["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    record = AuditRecord.objects.get(action="registry.visit_photo.view")
    assert (record.actor_id, record.object_id, record.detail) == (
        world.grid_a1a.user.pk,
        str(visit.pk),
        {"photo": photo["id"]},
    )


def test_photo_api_errors_are_chinese_field_errors(world, visit):
    response = api_client(world.grid_a1a).post(
        f"/api/v1/visits/{visit.pk}/photos/",
        {"photos": [upload("x.png", HTML)]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {
        "photos": ["第 1 个文件（x.png）不是允许的文件类型，只能上传 JPEG、PNG、WebP 图片。"]
    }
    assert VisitPhoto.objects.count() == 0


def test_a_photo_of_an_out_of_scope_visit_is_404_and_the_attempt_audited(world, visit_b):
    rows, _ = visit_photos_add(actor=world.town_b, visit=visit_b, files=[upload("a.png", PNG)])
    photo = rows[0]
    outsider = api_client(world.grid_a1a)
    assert outsider.get(f"/api/v1/visit-photos/{photo.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/visits/{visit_b.pk}/photos/").status_code == 404
    denied = outsider.post(
        f"/api/v1/visits/{visit_b.pk}/photos/",
        {"photos": [upload("b.png", PNG)]},
        format="multipart",
    )
    assert denied.status_code == 404
    assert VisitPhoto.objects.count() == 1
    assert not AuditRecord.objects.filter(action="registry.visit_photo.view").exists()
    denials = AuditRecord.objects.filter(action="scope.denied", actor=world.grid_a1a.user)
    assert sorted(denials.values_list("object_type", flat=True)) == [
        "registry.visit",
        "registry.visit",
        "registry.visit_photo",
    ]
    # A missing photo looks the same.
    assert outsider.get("/api/v1/visit-photos/999999/").status_code == 404
    # The town that covers the card sees it.
    assert api_client(world.town_b).get(f"/api/v1/visit-photos/{photo.pk}/").status_code == 200


def test_departments_see_photos_only_of_kinds_their_gate_opens(world, visit):
    rows, _ = visit_photos_add(actor=world.grid_a1a, visit=visit, files=[upload("a.png", PNG)])
    url = f"/api/v1/visit-photos/{rows[0].pk}/"
    # 卫健 reads 严重精神障碍 cards in its county; 司法 and 民政 do not.
    assert api_client(world.weijian).get(url).status_code == 200
    assert api_client(world.sifa).get(url).status_code == 404
    assert api_client(world.minzheng).get(url).status_code == 404
    viewers = AuditRecord.objects.filter(action="registry.visit_photo.view")
    assert list(viewers.values_list("actor_id", flat=True)) == [world.weijian.user.pk]


def test_no_public_media_url_serves_the_photo(world, visit, client):
    rows, _ = visit_photos_add(actor=world.grid_a1a, visit=visit, files=[upload("a.png", PNG)])
    assert client.get(f"/media/{rows[0].file.name}").status_code == 404
    assert client.get(f"/api/v1/visit-photos/{rows[0].pk}/").status_code in (401, 403)

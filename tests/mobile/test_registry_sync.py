"""What the outbox's person and visit items rely on, sent as the phone sends them (session,
CSRF header, `X-Pingan-Position`, idempotency key): one row per key, clear Chinese errors."""

import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pingan.audit.models import AuditRecord
from pingan.regions.models import Region
from pingan.registry.kinds import CardKind
from pingan.registry.models import Person, RegistrySubmission, Visit, VisitPhoto
from tests.accounts.factories import sign_in
from tests.factories import PositionFactory
from tests.flow.factories import G1, G2, G3
from tests.registry.factories import make_card, make_id, make_person

pytestmark = pytest.mark.django_db
PNG = (Path(__file__).parents[2] / "pingan/static/mobile/icons/icon-192.png").read_bytes()
NEW_ID = make_id(birth="19850615", seq=42)


def csrf_from_page(client) -> str:
    html = client.get("/m/people/new/").content.decode()
    return re.search(r'data-csrf="([A-Za-z0-9]{64})"', html).group(1)


def post_json(client, url, data, token, position=None):
    headers = {"X-CSRFToken": token}
    if position is not None:
        headers["X-Pingan-Position"] = str(position)
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def person_body(**extra):
    # What person-form.js queues.
    return {
        "name": "赵小红",
        "id_number": NEW_ID,
        "phone": "13812340000",
        "address": "示范村二组3号",
        "region_code": G1,
        "idempotency_key": "0f8fad5b-d9cb-469f-a165-70867728950e",
        **extra,
    }


def test_same_person_key_twice_registers_one_person(world, worker_client):
    token = csrf_from_page(worker_client)
    position = world.grid_worker.position.pk
    first = post_json(worker_client, "/api/v1/people/", person_body(), token, position)
    again = post_json(worker_client, "/api/v1/people/", person_body(), token, position)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["id_number"] == NEW_ID[:6] + "********" + NEW_ID[-4:]
    person = Person.objects.get()
    assert (person.name, person.region_code, person.sex, person.birth_date.isoformat()) == (
        "赵小红",
        G1,
        "2",
        "1985-06-15",
    )
    assert AuditRecord.objects.filter(action="registry.person.create").count() == 1
    submission = RegistrySubmission.objects.get()
    assert (submission.user_id, submission.object_type, submission.object_id) == (
        world.grid_worker.user.pk,
        "registry.person",
        person.pk,
    )


def test_a_duplicate_id_number_is_a_clear_chinese_error_and_nothing_is_saved(world, worker_client):
    existing = make_person(G1, "赵小红", id_number=NEW_ID)
    token = csrf_from_page(worker_client)
    response = post_json(
        worker_client, "/api/v1/people/", person_body(), token, world.grid_worker.position.pk
    )
    assert response.status_code == 400  # queue.js: "failed", kept in the failed list
    assert response.json() == {
        "id_number": ["该身份证号已登记。"],
        "existing": {"id": existing.pk, "name": "赵小红"},
    }
    assert Person.objects.count() == 1
    assert RegistrySubmission.objects.count() == 0


def test_a_duplicate_in_another_grid_does_not_say_who(world, worker_client):
    make_person(G3, "某人", id_number=NEW_ID)
    token = csrf_from_page(worker_client)
    response = post_json(worker_client, "/api/v1/people/", person_body(), token)
    assert response.status_code == 400
    assert response.json() == {"id_number": ["该身份证号已登记。"]}


def test_a_bad_id_number_is_refused_by_the_server_too(world, worker_client):
    token = csrf_from_page(worker_client)
    bad = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")
    response = post_json(worker_client, "/api/v1/people/", person_body(id_number=bad), token)
    assert response.status_code == 400
    assert response.json()["id_number"][0].startswith("校验码错误：按前17位计算最后一位应为")
    assert Person.objects.count() == 0


def test_the_position_header_files_the_person_in_the_second_grid(world):
    second = PositionFactory(
        user=world.grid_worker.user, role="grid_worker", region=Region.objects.get(code=G2)
    )
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.grid_worker)
    token = csrf_from_page(client)
    response = post_json(client, "/api/v1/people/", person_body(region_code=G2), token, second.pk)
    assert response.status_code == 201
    assert Person.objects.get().region_code == G2
    # Acting as the first grid, G2 is outside the position's scope.
    other = post_json(
        client,
        "/api/v1/people/",
        person_body(region_code=G2, id_number=make_id(seq=43), idempotency_key="k2"),
        token,
        world.grid_worker.position.pk,
    )
    assert other.status_code == 400
    assert other.json() == {"region_code": ["该网格不在您的管辖范围内。"]}


def test_person_create_needs_the_csrf_header(worker_client):
    response = worker_client.post(
        "/api/v1/people/", json.dumps(person_body()), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")  # queue.js: sign in again
    assert Person.objects.count() == 0


def test_a_visit_and_then_its_photos_each_once(world, worker_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = make_person(G1, "张三丰")
    card = make_card(person, CardKind.MENTAL_DISORDER, {"diagnosis": "01"}, risk_level=3)
    token = csrf_from_page(worker_client)
    key = "9b2a1c3e-4d5f-4a6b-8c7d-0e1f2a3b4c5d"
    body = {  # what visit.js queues
        "visited_at": "2026-03-02T01:30:00.000Z",
        "method": "01",
        "place": "家中",
        "notes": "情绪稳定",
        "risk_level": 2,
        "idempotency_key": key,
    }
    url = f"/api/v1/cards/{card.pk}/visits/"
    first = post_json(worker_client, url, body, token, world.grid_worker.position.pk)
    again = post_json(worker_client, url, body, token, world.grid_worker.position.pk)
    assert (first.status_code, again.status_code) == (201, 200)
    visit_id = first.json()["id"]
    assert again.json()["id"] == visit_id
    visit = Visit.objects.get()
    assert (visit.visited_at.isoformat(), visit.risk_level_after) == (
        "2026-03-02T01:30:00+00:00",
        2,
    )

    def send_photos():
        # queue.js's files phase: multipart `photos` plus the key `<item id>:photos`.
        return worker_client.post(
            f"/api/v1/visits/{visit_id}/photos/",
            {
                "idempotency_key": key + ":photos",
                "photos": [
                    SimpleUploadedFile("a.png", PNG, content_type="image/png"),
                    SimpleUploadedFile("b.png", PNG, content_type="image/png"),
                ],
            },
            headers={"X-CSRFToken": token},
        )

    photos, photos_again = send_photos(), send_photos()
    assert (photos.status_code, photos_again.status_code) == (201, 200)
    assert [p["id"] for p in photos_again.json()] == [p["id"] for p in photos.json()]
    assert VisitPhoto.objects.filter(visit=visit).count() == 2
    # The person page shows the visit with its photos (URLs of the scoped view).
    detail = worker_client.get(f"/api/v1/mobile/people/{person.pk}/").json()
    visits = detail["cards"][0]["visits"]
    assert [v["photos"] for v in visits] == [[p["url"] for p in photos.json()]]


def test_a_visit_to_another_grids_card_is_404(world, worker_client):
    stranger = make_person(G3, "王五")
    card = make_card(stranger, CardKind.DRUG_USER, {"control_status": "01"})
    token = csrf_from_page(worker_client)
    response = post_json(
        worker_client,
        f"/api/v1/cards/{card.pk}/visits/",
        {"method": "01", "idempotency_key": "x1"},
        token,
    )
    assert response.status_code == 404
    assert Visit.objects.count() == 0
    assert RegistrySubmission.objects.count() == 0

"""What the outbox relies on: session + CSRF API calls and one event per idempotency key."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pingan.events.models import EventDetail
from pingan.flow.models import Case
from tests.flow.factories import IN_G1

pytestmark = pytest.mark.django_db
JS_TESTS = Path(__file__).parent / "js"


def csrf_from_page(client) -> str:
    html = client.get("/m/report/").content.decode()
    return re.search(r'data-csrf="([A-Za-z0-9]{64})"', html).group(1)


def post_json(client, url, data, token):
    return client.post(
        url, json.dumps(data), content_type="application/json", headers={"X-CSRFToken": token}
    )


def event(**extra):
    return {
        "category": "0204",
        "description": "排水沟堵塞",
        "lat": IN_G1[1],
        "lng": IN_G1[0],
        "urgency": "low",
        **extra,
    }


def test_same_key_twice_over_the_session_gives_one_event(worker_client):
    token = csrf_from_page(worker_client)
    key = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"  # crypto.randomUUID() shape
    first = post_json(worker_client, "/api/v1/events/", event(idempotency_key=key), token)
    again = post_json(
        worker_client, "/api/v1/events/", event(idempotency_key=key, description="重发"), token
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json()["created"], again.json()["created"]) == (True, False)
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1
    assert EventDetail.objects.get().description == "排水沟堵塞"
    other = post_json(worker_client, "/api/v1/events/", event(idempotency_key=key + "x"), token)
    assert other.status_code == 201
    assert Case.objects.count() == 2


def test_session_api_calls_need_the_csrf_header(worker_client):
    response = worker_client.post(
        "/api/v1/events/", json.dumps(event()), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")  # queue.js: sign in again
    assert Case.objects.count() == 0


def test_a_task_action_over_the_session(world, worker_client):
    token = csrf_from_page(worker_client)
    number = post_json(worker_client, "/api/v1/events/", event(), token).json()["number"]
    detail = worker_client.get(f"/api/v1/cases/{number}/").json()
    assert "handle_locally" in [a["code"] for a in detail["available_actions"]]
    url = f"/api/v1/cases/{number}/actions/"
    body = {"action": "handle_locally", "note": "已当场劝解", "version": detail["version"]}
    done = post_json(worker_client, url, body, token)
    assert done.status_code == 200
    assert done.json()["state"] == "closed"
    # Sent again without a key (its response was lost): a definite 409.
    repeat = post_json(worker_client, url, body, token)
    assert repeat.status_code == 409
    assert Case.objects.get(number=number).state == "closed"


def test_a_queued_task_action_resent_with_its_key_is_answered_once(world, worker_client):
    token = csrf_from_page(worker_client)
    number = post_json(worker_client, "/api/v1/events/", event(), token).json()["number"]
    version = worker_client.get(f"/api/v1/cases/{number}/").json()["version"]
    url = f"/api/v1/cases/{number}/actions/"
    # As queue.js sends a task action: the outbox item's id is its idempotency key.
    body = {"action": "handle_locally", "note": "已当场劝解", "version": version}
    body["idempotency_key"] = "0b9f8d4e-6c1a-4f3e-9a7d-2e5b1c8d7f60"
    first = post_json(worker_client, url, body, token)
    again = post_json(worker_client, url, body, token)
    assert (first.status_code, first.json()["replayed"]) == (200, False)
    assert (again.status_code, again.json()["replayed"]) == (200, True)
    assert again.json()["state"] == "closed"
    case = Case.objects.get(number=number)
    assert list(case.actions.order_by("seq").values_list("action", flat=True)) == [
        "report",
        "handle_locally",
    ]


def test_queue_logic_under_node():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: the outbox JS tests (tests/mobile/js) need Node 20+")
    run = subprocess.run(
        [node, "--test", str(JS_TESTS)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


def test_photos_go_as_multipart_and_a_repeat_stores_them_once(worker_client, settings, tmp_path):
    from pingan.events.attachments import case_attachments
    from pingan.mobile.views import photos_supported

    settings.MEDIA_ROOT = tmp_path
    assert photos_supported() is True  # the report form offers the camera input
    token = csrf_from_page(worker_client)
    png = (Path(__file__).parents[2] / "pingan/static/mobile/icons/icon-192.png").read_bytes()

    def send():
        # What queue.js builds: the fields as strings plus repeated `photos` parts.
        data = {k: str(v) for k, v in event(idempotency_key="cam-1").items()}
        data["photos"] = [
            SimpleUploadedFile("a.png", png, content_type="image/png"),
            SimpleUploadedFile("b.png", png, content_type="image/png"),
        ]
        return worker_client.post("/api/v1/events/", data, headers={"X-CSRFToken": token})

    first, again = send(), send()
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    case = Case.objects.get()
    assert case_attachments(case).count() == 2

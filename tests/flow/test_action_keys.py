"""Idempotency keys on case actions: a resend of an action that went through is answered,
not refused; a key reused for something else is a field error."""

from unittest import mock

import pytest

from pingan.flow import services
from pingan.flow.models import Case, CaseAction, CaseActionKey
from pingan.flow.services import case_act_keyed
from tests.flow.factories import act, api_client, report

pytestmark = pytest.mark.django_db


def post(actor, case, **body):
    return api_client(actor).post(f"/api/v1/cases/{case.number}/actions/", body, format="json")


def history(case) -> list[str]:
    return list(
        CaseAction.objects.filter(case=case).order_by("seq").values_list("action", flat=True)
    )


def test_same_key_twice_acts_once_and_answers_200_both_times(world):
    case = act(world.village, report(world.grid_worker), "accept")
    body = {"action": "handle_locally", "note": "已当场劝解", "version": case.version}
    first = post(world.village, case, idempotency_key="pwa-1", **body)
    assert first.status_code == 200
    assert (first.json()["state"], first.json()["replayed"]) == ("closed", False)
    # The phone never saw that answer and sends the queued action again, old version and all.
    again = post(world.village, case, idempotency_key="pwa-1", **body)
    assert again.status_code == 200
    data = again.json()
    assert (data["state"], data["replayed"], data["version"]) == ("closed", True, 3)
    assert [e["action"] for e in data["timeline"]] == ["report", "accept", "handle_locally"]
    assert history(case) == ["report", "accept", "handle_locally"]
    key = CaseActionKey.objects.get()
    assert (key.user_id, key.key, key.case_id, key.seq, key.action) == (
        world.village.user.pk,
        "pwa-1",
        case.pk,
        3,
        "handle_locally",
    )


def test_without_a_key_the_resend_is_still_a_conflict(world):
    case = act(world.village, report(world.grid_worker), "accept")
    body = {"action": "handle_locally", "note": "已当场劝解", "version": case.version}
    assert post(world.village, case, **body).json()["replayed"] is False
    repeat = post(world.village, case, **body)
    assert repeat.status_code == 409
    assert repeat.json()["code"] == "conflict"
    assert not CaseActionKey.objects.exists()


def test_a_key_used_for_another_action_or_case_is_a_field_error(world):
    case = report(world.grid_worker)
    other = report(world.grid_worker)
    assert post(world.village, case, action="accept", idempotency_key="k1").status_code == 200
    before = Case.objects.get(pk=case.pk).version
    message = {"idempotency_key": ["该幂等键已用于其他案件或操作，请换一个新的键。"]}
    wrong_action = post(world.village, case, action="escalate", idempotency_key="k1")
    assert (wrong_action.status_code, wrong_action.json()) == (400, message)
    wrong_case = post(world.village, other, action="accept", idempotency_key="k1")
    assert (wrong_case.status_code, wrong_case.json()) == (400, message)
    # Nothing changed on either case, and no second key was stored.
    assert Case.objects.get(pk=case.pk).version == before
    assert Case.objects.get(pk=other.pk).state == "pending_accept"
    assert history(other) == ["report"]
    assert CaseActionKey.objects.count() == 1


def test_keys_belong_to_their_user(world):
    case = report(world.grid_worker)
    assert post(world.village, case, action="accept", idempotency_key="same").status_code == 200
    # Another user's "same" key is their own: the town's accept on its own case goes through.
    town_case = report(world.town, unit="990101001")
    response = post(world.town, town_case, action="accept", idempotency_key="same")
    assert (response.status_code, response.json()["replayed"]) == (200, False)
    assert CaseActionKey.objects.count() == 2


def test_bad_keys_are_refused_and_nothing_happens(world):
    case = report(world.grid_worker)
    bad = post(world.village, case, action="accept", idempotency_key="带空格 的键")
    assert bad.status_code == 400
    assert bad.json() == {"idempotency_key": ["幂等键应为 1–64 位字母、数字或 _.:- 。"]}
    long = post(world.village, case, action="accept", idempotency_key="x" * 65)
    assert long.status_code == 400 and set(long.json()) == {"idempotency_key"}
    assert Case.objects.get(pk=case.pk).state == "pending_accept"
    assert not CaseActionKey.objects.exists()


def test_a_refused_action_stores_no_key(world):
    case = report(world.grid_worker)
    refused = post(world.village, case, action="close", idempotency_key="k2")
    assert refused.status_code == 409 and refused.json()["code"] == "not_allowed"
    assert not CaseActionKey.objects.exists()
    # The key is still free: the right action with it goes through once.
    assert post(world.village, case, action="accept", idempotency_key="k2").json()["state"] == (
        "handling"
    )
    assert history(case) == ["report", "accept"]


def test_service_replay_returns_the_current_case(world):
    case = report(world.grid_worker)
    done, replayed = case_act_keyed(
        actor=world.village, case=case, action="accept", idempotency_key="svc-1"
    )
    assert (done.state, replayed) == ("handling", False)
    act(world.village, done, "escalate")
    again, replayed = case_act_keyed(
        actor=world.village, case=case, action="accept", idempotency_key="svc-1"
    )
    assert (again.state, again.holder_code, replayed) == ("pending_accept", "990101001", True)
    assert history(case) == ["report", "accept", "escalate"]


def test_a_resend_that_lost_the_race_is_still_a_replay(world):
    """The first request commits between the resend's key lookup and its row lock: the
    resend then meets a newer version, finds the key and answers as a replay."""
    case = act(world.village, report(world.grid_worker), "accept")
    seen = Case.objects.get(pk=case.pk)
    case_act_keyed(actor=world.village, case=seen, action="escalate", idempotency_key="race")
    real = services._replay
    calls = []

    def first_lookup_misses(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    with mock.patch.object(services, "_replay", side_effect=first_lookup_misses):
        again, replayed = case_act_keyed(
            actor=world.village, case=seen, action="escalate", idempotency_key="race"
        )
    assert (len(calls), replayed, again.state, again.holder_code) == (
        2,
        True,
        "pending_accept",
        "990101001",
    )
    assert history(case) == ["report", "accept", "escalate"]

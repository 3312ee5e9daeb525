"""The shared public intake: every channel ends in `public_report_submit`."""

import pytest

from pingan.audit.models import AuditRecord
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.flow.models import Case, CaseAction
from pingan.flow.services import case_act_public, public_actions
from pingan.notify.models import Notification, Status
from pingan.notify.services import sms_opt_out
from pingan.public.models import PublicChannel, PublicReport
from pingan.public.selectors import find_public_case, public_steps
from pingan.public.services import public_report_submit
from tests.flow.factories import COUNTY, G1, IN_G1, VILLAGE, act

PHONE = "13812345678"


def submit(**over):
    data = {"category": "0204", "description": "路灯坏了", "lng": IN_G1[0], "lat": IN_G1[1]}
    data.update(over.pop("data", {}))
    return public_report_submit(
        channel=over.pop("channel", PublicChannel.PORTAL), county=COUNTY, data=data, **over
    )


def test_point_report_goes_to_the_grid_village_with_a_query_code(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, report, code = submit(phone="138 1234 5678")
    assert (case.region_code, case.holder_code, case.reporter_id) == (G1, VILLAGE, None)
    assert case.event.reporter_kind == "citizen"
    assert report.phone == PHONE and len(code) == 6
    assert find_public_case(case.number, code) == case
    assert find_public_case(case.number, "000000" if code != "000000" else "111111") is None
    assert find_public_case("SJ-NOPE", code) is None
    sms = Notification.objects.get(topic="public.received")
    assert code in sms.body and case.number in sms.body and sms.status == Status.SENT
    audit = AuditRecord.objects.get(action="case.report", object_id=case.number)
    assert audit.actor_username == "public:portal"


def test_address_only_report_goes_to_the_county_flagged(world):
    case, _report, _code = submit(data={"lng": "", "lat": "", "address": "示范路 1 号"})
    assert (case.holder_code, case.event.outside_grid, case.event.lng) == (COUNTY, True, None)


def test_bad_phone_and_fields_are_field_errors_and_nothing_saved(world):
    with pytest.raises(ActionInvalid) as err:
        submit(phone="12345")
    assert list(err.value.errors) == ["phone"]
    with pytest.raises(ActionInvalid) as err:
        submit(data={"category": "nope", "description": ""})
    assert set(err.value.errors) == {"category", "description"}
    assert not Case.objects.exists() and not PublicReport.objects.exists()


def test_public_steps_notify_the_reporter_once_each(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case, _report, _code = submit(phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        act(world.village, case, "accept")
    steps = public_steps(case)
    assert [s.action for s in steps] == ["report", "accept"]
    assert steps[1].text == "区划990101001001已受理"
    sms = Notification.objects.filter(topic="public.step").get()
    assert sms.body == (
        f"【平安建设】您反映的问题 {case.number} 区划990101001001已受理。"
        "查询：http://127.0.0.1:8000/portal/track/"
    )


def test_opted_out_phone_gets_no_progress_but_still_its_code(
    world, django_capture_on_commit_callbacks
):
    sms_opt_out(PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        case, _report, _code = submit(phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        act(world.village, case, "accept")
    statuses = dict(
        Notification.objects.filter(topic__startswith="public.").values_list("topic", "status")
    )
    assert statuses == {"public.received": Status.SENT, "public.step": Status.SKIPPED}


def test_citizen_rates_a_closed_case_and_unsatisfied_reopens(world):
    case, _report, _code = submit()
    for actor, action in [
        (world.village, "accept"),
        (world.village, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.village, "close"),
    ]:
        case = act(actor, case, action)
    assert public_actions(case) == ["callback", "reopen"]
    case = case_act_public(
        case=case, action="callback", channel="portal", satisfaction="unsatisfied"
    )
    assert (case.state, case.satisfaction) == ("handling", "unsatisfied")
    row = CaseAction.objects.get(case=case, seq=case.actions.count())
    assert (row.actor_id, row.role, row.payload["channel"]) == (None, "citizen", "portal")
    with pytest.raises(ActionNotAllowed):
        case_act_public(case=case, action="close", channel="portal")

"""The callback (回访) queue: scope, tabs, filters, the audited phone reveal, the KPI counts."""

import datetime as dt

import pytest
from django.utils import timezone

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.flow.models import Case
from pingan.flow.services import case_act_public
from pingan.public.callbacks.kpi import satisfaction_counts, satisfaction_total
from pingan.public.callbacks.models import CallbackAttempt
from pingan.public.callbacks.services import callback_record
from tests.accounts.factories import sign_in
from tests.factories import make_actor
from tests.flow.factories import COUNTY, G3, IN_G3, TOWN, TOWN2, VILLAGE, VILLAGE2, act, report
from tests.public.callcentre_helpers import (
    CALLER,
    close_by_town,
    close_by_village,
    hotline_case,
    portal_case,
)

QUEUE = "/callbacks/"


@pytest.fixture
def closed(world):
    """Town 1: a portal case and a hotline-channel case closed by the town; a grid worker's
    own report closed by the village. Town 2: a portal case closed by its village."""
    world.portal = close_by_town(world, portal_case())
    world.hotline = close_by_town(world, hotline_case(world.county))
    world.staff = close_by_village(world, report(world.grid_worker))
    village2 = make_actor(Role.VILLAGE_STAFF, VILLAGE2)
    other = portal_case(point=IN_G3, description="另一个乡镇的问题")
    for actor, action in [
        (village2, "accept"),
        (village2, "feedback"),
        (make_actor(Role.GRID_WORKER, G3), "verify_pass"),
        (village2, "close"),
    ]:
        other = act(actor, other, action)
    world.other = other
    return world


def numbers(response) -> list[str]:
    return [row.case.number for row in response.context["rows"]]


def test_the_queue_lists_closed_events_in_scope_oldest_first(client, closed):
    sign_in(client, closed.town)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert numbers(response) == [closed.portal.number, closed.hotline.number, closed.staff.number]
    rows = response.context["rows"]
    assert [(r.channel_label, r.phone_masked, r.can_record) for r in rows] == [
        ("网上平台", "138****5678", True),
        ("热线电话", "138****5678", True),
        ("内部上报", "", False),
    ]
    html = response.content.decode()
    assert CALLER not in html and "138****5678" in html
    # The other town's operator sees only its own; the county sees them all.
    sign_in(client, closed.town2)
    assert numbers(client.get(QUEUE)) == [closed.other.number]
    sign_in(client, closed.county)
    assert len(numbers(client.get(QUEUE))) == 4


def test_open_archived_and_merged_cases_are_not_in_the_queue(client, closed):
    report(closed.grid_worker, description="还没办完的事件")
    case_act_public(
        case=closed.portal, action="callback", channel="portal", satisfaction="satisfied"
    )
    sign_in(client, closed.town)
    assert numbers(client.get(QUEUE)) == [closed.hotline.number, closed.staff.number]


def test_filters_channel_region_dates_and_own_unit(client, closed):
    sign_in(client, closed.county)
    assert numbers(client.get(QUEUE, {"channel": "hotline"})) == [closed.hotline.number]
    assert numbers(client.get(QUEUE, {"channel": "staff"})) == [closed.staff.number]
    assert numbers(client.get(QUEUE, {"region": TOWN2})) == [closed.other.number]
    today = timezone.localdate().isoformat()
    assert len(numbers(client.get(QUEUE, {"closed_from": today, "closed_to": today}))) == 4
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert numbers(client.get(QUEUE, {"closed_from": tomorrow})) == []
    sign_in(client, closed.town)
    mine = client.get(QUEUE, {"mine": "1"})
    assert numbers(mine) == [closed.portal.number, closed.hotline.number]
    bad = client.get(QUEUE, {"region": "990102", "channel": "fax", "closed_from": "2026-13-01"})
    assert bad.status_code == 200
    assert bad.context["filters"].errors == {
        "region": "区划不在本岗位辖区内。",
        "channel": "渠道不正确。",
        "closed_from": "日期格式应为 YYYY-MM-DD。",
    }
    assert len(numbers(bad)) == 3


def test_village_staff_see_their_village_and_call_back_their_own_cases(client, closed):
    sign_in(client, closed.village)
    response = client.get(QUEUE)
    assert numbers(response) == [closed.portal.number, closed.hotline.number, closed.staff.number]
    assert [r.can_record for r in response.context["rows"]] == [False, False, True]


@pytest.mark.parametrize("who", ["grid_worker", "police", "zhujian", "leader"])
def test_other_roles_get_403(client, closed, who):
    sign_in(client, getattr(closed, who))
    number = closed.portal.number
    for method, url in [
        ("get", QUEUE),
        ("get", f"{QUEUE}{number}/"),
        ("post", f"{QUEUE}{number}/record/"),
        ("post", f"{QUEUE}{number}/reveal/"),
        ("post", f"{QUEUE}{number}/survey/"),
    ]:
        assert getattr(client, method)(url, {"reached": "no"}).status_code == 403
    assert not CallbackAttempt.objects.exists()
    assert not AuditRecord.objects.filter(action="sensitive.reveal").exists()


def test_reveal_to_call_is_audited_and_out_of_scope_is_404(client, closed):
    number = closed.portal.number
    sign_in(client, closed.town)
    response = client.post(f"{QUEUE}{number}/reveal/")
    assert response.status_code == 200
    assert f'href="tel:{CALLER}"' in response.content.decode()
    record = AuditRecord.objects.get(action="sensitive.reveal")
    assert (record.object_type, record.region_code, record.outcome) == (
        "public.publicreport",
        closed.portal.region_code,
        "ok",
    )
    assert record.detail == {"field": "phone", "reason": "电话回访"}
    sign_in(client, closed.town2)
    assert client.post(f"{QUEUE}{number}/reveal/").status_code == 404
    assert client.get(f"{QUEUE}{number}/").status_code == 404
    assert AuditRecord.objects.filter(action="sensitive.reveal").count() == 1
    assert AuditRecord.objects.filter(action="scope.denied", object_type="flow.case").count() == 2


def test_failed_calls_move_the_case_to_retry_later_then_unreachable(client, closed, settings):
    settings.PINGAN_CALLBACK_MAX_ATTEMPTS = 2
    settings.PINGAN_CALLBACK_RETRY_MINUTES = 60
    case = closed.portal
    callback_record(actor=closed.town, case=case, reached=False, note="无人接听")
    sign_in(client, closed.town)
    assert client.get(QUEUE).context["tabs"] == [
        ("due", "待回访", 2),
        ("later", "稍后重拨", 1),
        ("unreachable", "无法联系", 0),
    ]
    later = client.get(QUEUE, {"tab": "later"})
    assert numbers(later) == [case.number]
    assert later.context["rows"][0].failed_count == 1
    # Once the retry time has passed the case is due again.
    old = timezone.now() - dt.timedelta(minutes=61)
    Case.objects.filter(pk=case.pk).update(closed_at=old - dt.timedelta(minutes=5))
    CallbackAttempt.objects.filter(case=case).update(at=old)
    case.refresh_from_db()
    assert numbers(client.get(QUEUE))[0] == case.number
    callback_record(actor=closed.town, case=case, reached=False, give_up=True)
    assert numbers(client.get(QUEUE, {"tab": "unreachable"})) == [case.number]
    assert case.number not in numbers(client.get(QUEUE))


def test_the_top_of_the_queue_shows_this_months_satisfaction_counts(client, closed):
    callback_record(actor=closed.town, case=closed.portal, reached=True, satisfaction="satisfied")
    case_act_public(
        case=closed.hotline, action="callback", channel="portal", satisfaction="unsatisfied"
    )
    sign_in(client, closed.town)
    kpi = client.get(QUEUE).context["kpi"]
    assert (kpi.satisfied, kpi.basically, kpi.unsatisfied, kpi.unreachable) == (1, 0, 1, 0)
    assert (kpi.by_phone, kpi.by_citizen, kpi.rate) == (1, 1, 0.5)
    assert 'id="kpis"' in client.get(QUEUE).content.decode()
    # Town 2 has no verdicts in its scope.
    sign_in(client, closed.town2)
    assert client.get(QUEUE).context["kpi"].rated == 0


def test_satisfaction_counts_per_unit_and_period(closed, settings):
    settings.PINGAN_CALLBACK_MAX_ATTEMPTS = 1
    now = timezone.now()
    callback_record(actor=closed.town, case=closed.portal, reached=True, satisfaction="satisfied")
    callback_record(
        actor=closed.town, case=closed.hotline, reached=True, satisfaction="basically_satisfied"
    )
    callback_record(actor=closed.village, case=closed.staff, reached=False, give_up=True)
    since, until = now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)
    rows = satisfaction_counts(region_prefix=COUNTY, since=since, until=until)
    assert [
        (r.unit_code, r.satisfied, r.basically, r.unsatisfied, r.unreachable) for r in rows
    ] == [
        (TOWN, 1, 1, 0, 0),
        (VILLAGE, 0, 0, 0, 1),
    ]
    assert rows[0].rate == 1.0 and rows[1].rate is None
    by_town = satisfaction_counts(region_prefix=COUNTY, since=since, until=until, group_by="town")
    assert [(r.unit_code, r.rated, r.unreachable) for r in by_town] == [(TOWN, 2, 1)]
    total = satisfaction_total(rows)
    assert (total.unit_name, total.rated, total.unreachable) == ("合计", 2, 1)
    assert satisfaction_counts(region_prefix=TOWN2, since=since, until=until) == []
    later = satisfaction_counts(region_prefix=COUNTY, since=until, until=until + dt.timedelta(1))
    assert later == []
    with pytest.raises(ValueError):
        satisfaction_counts(region_prefix=COUNTY, since=since, until=until, group_by="grid")

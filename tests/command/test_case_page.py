"""The case page: scope, exactly the available actions, htmx actions and their refusals."""

import re

import pytest

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case, CaseAction
from pingan.flow.services import available_actions
from tests.accounts.factories import sign_in
from tests.flow.factories import act

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def shown_actions(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="action" value="(\w+)">', html)


def post(client, case, action, **data):
    body = {"action": action, "version": Case.objects.get(pk=case.pk).version, **data}
    return client.post(f"/command/cases/{case.number}/act/", body, **HX)


def test_detail_shows_event_timeline_and_exactly_the_available_actions(client, world, cases):
    sign_in(client, world.town)
    response = client.get(f"/command/cases/{cases.mine.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "镇综治中心接报：道路塌陷" in html and "邻里纠纷" in html
    assert "待受理" in html and 'data-action="report"' in html
    expected = available_actions(world.town, Case.objects.get(pk=cases.mine.pk))
    assert shown_actions(html) == expected
    assert expected[0] == "accept"
    # A case below the town that it does not hold: only the superior's actions.
    village_html = client.get(f"/command/cases/{cases.village.number}/").content.decode()
    assert shown_actions(village_html) == ["supervise", "instruct", "mark_urgent"]
    # The village sees the town's case (it lies in its grid) but has nothing to do on it.
    client.logout()
    sign_in(client, world.village)
    town_case = client.get(f"/command/cases/{cases.mine.number}/").content.decode()
    assert shown_actions(town_case) == []
    assert "当前没有需要本岗位执行的操作。" in town_case


def test_neighbour_town_case_is_404_and_audited(client, world, cases):
    sign_in(client, world.town)
    assert client.get(f"/command/cases/{cases.neighbour.number}/").status_code == 404
    assert client.get("/command/cases/SJ000/").status_code == 404
    assert post(client, cases.neighbour, "accept").status_code == 404
    assert Case.objects.get(pk=cases.neighbour.pk).state == "pending_accept"
    denied = AuditRecord.objects.filter(action="scope.denied", object_id=str(cases.neighbour.pk))
    assert denied.count() == 2


def test_htmx_action_changes_state_and_returns_the_fragment(client, world, cases):
    sign_in(client, world.town)
    response = post(client, cases.mine, "accept", note="已受理")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<aside class="cmd-case-side" id="case-side">')
    assert "<html" not in html
    assert "“受理”已完成。" in html
    assert 'id="case-history" hx-swap-oob="true"' in html and "已受理" in html
    fresh = Case.objects.get(pk=cases.mine.pk)
    assert fresh.state == "handling"
    assert shown_actions(html) == available_actions(world.town, fresh)
    assert "dispatch" in shown_actions(html)


def test_dispatch_dialog_lists_departments_in_scope_and_the_catalogue_due(client, world, cases):
    act(world.town, cases.mine, "accept")
    sign_in(client, world.town)
    html = client.get(f"/command/cases/{cases.mine.number}/").content.decode()
    dialog = html[html.index('<dialog id="dispatch-dialog"') : html.index("</dialog>")]
    options = re.findall(r'<option value="([\w-]+)">', dialog[: dialog.index('name="assist"')])
    assert sorted(options) == sorted([world.police_code, world.sifa_code])
    assert "按事项目录：部门须在" in dialog and "1 工作日" in dialog and "7 工作日" in dialog
    response = post(
        client, cases.mine, "dispatch", department=world.police_code, note="请派出所处置"
    )
    assert response.status_code == 200
    fresh = Case.objects.get(pk=cases.mine.pk)
    assert (fresh.state, fresh.holder_code) == ("pending_accept", world.police_code)


def test_not_allowed_action_shows_409_and_changes_nothing(client, world, cases):
    sign_in(client, world.town)
    before = Case.objects.get(pk=cases.mine.pk)
    response = post(client, cases.mine, "close")
    html = response.content.decode()
    assert response.status_code == 409
    assert "当前状态（待受理）下不能执行该操作。" in html
    assert "当前可执行：受理" in html
    after = Case.objects.get(pk=cases.mine.pk)
    assert (after.state, after.version) == (before.state, before.version)
    assert CaseAction.objects.filter(case=after).count() == 1


def test_stale_version_is_a_conflict(client, world, cases):
    sign_in(client, world.town)
    seen = Case.objects.get(pk=cases.mine.pk).version
    act(world.town, cases.mine, "accept")
    response = client.post(
        f"/command/cases/{cases.mine.number}/act/",
        {"action": "escalate", "version": seen},
        **HX,
    )
    assert response.status_code == 409
    assert "该案件已被他人处理，请刷新后重试。" in response.content.decode()
    assert Case.objects.get(pk=cases.mine.pk).state == "handling"


@pytest.mark.parametrize("version", [str(2**31), str(2**64), "１"])
def test_a_version_that_is_no_version_is_ignored_not_an_error(client, world, cases, version):
    # Past the column's range (or not ASCII digits) the posted version is not used: the
    # action runs against the case as it is instead of failing in the database.
    sign_in(client, world.town)
    response = client.post(
        f"/command/cases/{cases.mine.number}/act/", {"action": "accept", "version": version}, **HX
    )
    assert response.status_code == 200
    assert Case.objects.get(pk=cases.mine.pk).state == "handling"


def test_field_errors_are_shown_inline_and_nothing_is_saved(client, world, cases):
    act(world.town, cases.mine, "accept")
    sign_in(client, world.town)
    before = Case.objects.get(pk=cases.mine.pk)
    response = post(client, cases.mine, "dispatch")
    html = response.content.decode()
    assert response.status_code == 400
    assert "请选择单位。" in html
    assert '<dialog id="dispatch-dialog" class="cmd-dialog" open' in html
    response = post(client, cases.mine, "transfer")  # note required
    assert response.status_code == 400
    assert "请填写意见或原因。" in response.content.decode()
    after = Case.objects.get(pk=cases.mine.pk)
    assert (after.version, after.holder_code) == (before.version, before.holder_code)


def test_leader_reads_but_cannot_act(client, world, cases):
    sign_in(client, world.leader)
    for url in ("/command/?box=all", "/command/map/", "/command/supervision/"):
        assert client.get(url).status_code == 200
    html = client.get(f"/command/cases/{cases.mine.number}/").content.decode()
    assert shown_actions(html) == [] and "cmd-action-form" not in html
    assert "当前岗位只能查看，不能办理案件。" in html
    response = post(client, cases.mine, "supervise", level="red", note="限期办结")
    assert response.status_code == 403
    assert Case.objects.get(pk=cases.mine.pk).supervision_level == ""
    assert AuditRecord.objects.filter(outcome="denied", actor=world.leader.user).exists()


def test_without_javascript_the_form_posts_and_redirects(client, world, cases):
    sign_in(client, world.town)
    url = f"/command/cases/{cases.mine.number}/act/"
    response = client.post(url, {"action": "accept", "version": cases.mine.version})
    assert response.status_code == 302
    assert response["Location"] == f"/command/cases/{cases.mine.number}/"
    assert Case.objects.get(pk=cases.mine.pk).state == "handling"
    refused = client.post(url, {"action": "accept"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "<html" in html and "当前状态（办理中）下不能执行该操作。" in html

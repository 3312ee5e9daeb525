import csv
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit import views
from pingan.audit.models import AuditRecord
from pingan.audit.services import audit_log
from tests.accounts.factories import sign_in
from tests.audit.factories import NOW, append_at, make_chain
from tests.factories import PositionFactory, make_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client):
    actor = make_actor(Role.AUDITOR, "990101")
    sign_in(client, actor)
    return actor


def _seqs(response) -> list[int]:
    return [r.seq for r in response.context["page"].rows]


def test_login_required(client):
    for url in ("/audit/", "/audit/verify/", "/audit/export.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "role", [Role.COUNTY_OPERATOR, Role.LEADER, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN]
)
@pytest.mark.parametrize(
    ("method", "url", "page"),
    [
        ("get", "/audit/", "list"),
        ("get", "/audit/verify/", "verify"),
        ("post", "/audit/verify/", "verify"),
        ("get", "/audit/export.csv", "export"),
    ],
)
def test_only_auditors_get_in_and_denials_are_audited(client, role, method, url, page):
    actor = make_actor(role, "990101")
    sign_in(client, actor)
    before = AuditRecord.objects.count()
    response = getattr(client, method)(url)
    assert response.status_code == 403
    denied = AuditRecord.objects.order_by("-seq").first()
    assert AuditRecord.objects.count() == before + 1
    assert (denied.action, denied.outcome, denied.actor_username) == (
        "scope.denied",
        "denied",
        actor.user.username,
    )
    assert denied.detail == {"page": page, "role": role}
    assert not AuditRecord.objects.filter(action__in=["audit.verify", "audit.export"]).exists()


def test_auditor_role_must_be_the_current_position(client):
    actor = make_actor(Role.AUDITOR, "990101")
    other = PositionFactory(user=actor.user, role=Role.COUNTY_OPERATOR)
    sign_in(client, Actor(user=actor.user, position=other))
    assert client.get("/audit/").status_code == 403
    sign_in(client, actor)
    assert client.get("/audit/").status_code == 200


def test_list_is_newest_first_and_viewing_is_audited(client, auditor):
    make_chain(5)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert _seqs(response) == [5, 4, 3, 2, 1]
    body = response.content.decode()
    assert "审计日志" in body
    assert "test.event1" in body
    view = AuditRecord.objects.order_by("-seq").first()
    assert (view.action, view.actor_username, view.object_type) == (
        "audit.view",
        auditor.user.username,
        "audit_log",
    )
    assert view.detail == {"page": "list", "filters": {}}
    # The next visit shows the previous visit's own record.
    assert _seqs(client.get("/audit/"))[0] == view.seq


def test_filters(client, auditor):
    base = NOW - timedelta(days=3)
    append_at(base, username="alice", action="auth.login", outcome="ok")
    append_at(base + timedelta(hours=1), username="alice", action="auth.login", outcome="failed")
    append_at(
        base + timedelta(hours=2),
        username="bob",
        action="event.create",
        object_type="event",
        object_id="42",
    )
    append_at(base + timedelta(hours=3), username="bob", action="authx.other")

    def seqs(**params):
        response = client.get("/audit/", params)
        assert response.status_code == 200
        return _seqs(response)

    assert seqs(actor="alice") == [2, 1]
    assert seqs(action="auth.") == [2, 1]
    assert seqs(action="auth", actor="bob") == [4]
    assert seqs(outcome="failed") == [2]
    assert seqs(object_type="event", object_id="42") == [3]
    assert seqs(object_id="43") == []
    # Asia/Shanghai wall clock: base is 2026-11-18 12:00 local.
    assert seqs(since="2026-11-18T13:00", until="2026-11-18T14:00") == [3, 2]
    assert seqs(until="2026-11-18T12:59") == [1]
    view = AuditRecord.objects.filter(action="audit.view").order_by("-seq").first()
    assert view.detail["filters"] == {"until": "2026-11-18T13:00:00+08:00"}


def test_invalid_filters_show_errors(client, auditor):
    make_chain(2)
    response = client.get("/audit/", {"since": "2026-11-18T13:00", "until": "2026-11-18T12:00"})
    assert response.status_code == 400
    assert "截止时间不能早于起始时间" in response.content.decode()
    assert response.context["page"] is None
    response = client.get("/audit/", {"since": "not a time", "outcome": "bogus"})
    assert response.status_code == 400


def test_keyset_paging(client, auditor):
    make_chain(120)
    first = client.get("/audit/", {"action": "test."})
    assert _seqs(first) == list(range(120, 70, -1))
    page = first.context["page"]
    assert (page.newer_than, page.older_than) == (None, 71)
    assert "before=71" in first.content.decode()
    assert "action=test." in first.content.decode()
    second = client.get("/audit/", {"action": "test.", "before": 71})
    assert _seqs(second) == list(range(70, 20, -1))
    third = client.get("/audit/", {"action": "test.", "before": 21})
    assert _seqs(third) == list(range(20, 0, -1))
    assert third.context["page"].older_than is None
    back = client.get("/audit/", {"action": "test.", "after": third.context["page"].newer_than})
    assert _seqs(back) == list(range(70, 20, -1))
    assert back.context["page"].newer_than == 70
    top = client.get("/audit/", {"action": "test.", "after": 70})
    assert _seqs(top) == list(range(120, 70, -1))
    assert top.context["page"].newer_than is None


def test_list_query_count_does_not_grow_with_rows(client, auditor):
    other = make_actor(Role.GRID_WORKER, "990101")
    for i in range(3):
        audit_log(actor=other, action="x", detail={"i": i})

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/audit/", {"action": "x"}).status_code == 200
        # The session middleware refreshes the idle clock on a timer: not part of the page.
        return sum("django_session" not in q["sql"] for q in ctx.captured_queries)

    few = queries()
    for i in range(40):
        audit_log(actor=make_actor(Role.GRID_WORKER, "990101"), action="x", detail={"i": i})
    assert queries() == few
    body = client.get("/audit/", {"action": "x"}).content.decode()
    assert "网格员" in body  # position shown as "unit · role"


def test_verify_page_and_run(client, auditor):
    make_chain(4)
    response = client.get("/audit/verify/")
    assert response.status_code == 200
    assert "当前链头" in response.content.decode()
    response = client.post("/audit/verify/", follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "审计链完整" in body
    run = AuditRecord.objects.get(action="audit.verify")
    assert (run.actor_username, run.outcome, run.detail["intact"]) == (
        auditor.user.username,
        "ok",
        True,
    )
    assert run.detail["checked"] == 5  # 4 + the view of the verify page
    assert "run-ok" in body


def test_verify_page_reports_the_first_break(client, auditor):
    make_chain(6)
    AuditRecord.objects.filter(seq=3).update(object_id="tampered")
    body = client.post("/audit/verify/", follow=True).content.decode()
    assert "审计链断裂于第 3 条记录 [edited]" in body
    run = AuditRecord.objects.get(action="audit.verify")
    assert (run.outcome, run.detail["seq"], run.detail["code"]) == ("failed", 3, "edited")


def test_long_chains_are_verified_by_the_task_queue(
    client, auditor, monkeypatch, django_capture_on_commit_callbacks
):
    make_chain(3)
    monkeypatch.setattr(views, "SYNC_VERIFY_MAX_ROWS", 2)
    assert HUEY.immediate  # tests run tasks inline (tests/conftest.py)
    with (
        mock.patch("pingan.audit.views.verify_chain") as sync,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/audit/verify/", follow=True)
    sync.assert_not_called()
    assert "已提交后台校验" in response.content.decode()
    run = AuditRecord.objects.get(action="audit.verify")
    assert (run.actor_username, run.position_id, run.outcome) == (
        auditor.user.username,
        auditor.position.pk,
        "ok",
    )


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_csv(client, auditor):
    auditor.user.full_name = "审计员甲"
    auditor.user.save()
    make_chain(3)
    append_at(NOW - timedelta(days=1), username="=cmd|' /C calc'!A0", action="auth.login")
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = _csv(response)
    header = rows[0][0]
    assert header.startswith("# 审计日志导出；导出人：审计员甲（")
    assert auditor.user.username in header
    assert "导出时间：" in header
    assert "共 4 条" in header
    assert rows[1][:3] == ["序号", "时间", "操作人"]
    assert [r[0] for r in rows[2:]] == ["4", "3", "2", "1"]
    assert rows[2][2] == "'=cmd|' /C calc'!A0"  # no formula for Excel
    assert rows[3][10] == '{"n": 2, "note": "记录"}'
    assert rows[3][11] == AuditRecord.objects.get(seq=3).hash
    export = AuditRecord.objects.get(action="audit.export")
    assert export.actor_username == auditor.user.username
    assert export.detail == {"format": "csv", "rows": 4, "upto_seq": 4, "filters": {}}


def test_export_applies_filters(client, auditor):
    make_chain(6)  # actions test.event0/1/2 in turn
    rows = _csv(client.get("/audit/export.csv", {"action": "test.event1"}))
    assert [r[0] for r in rows[2:]] == ["5", "2"]
    assert "test.event1" in rows[0][0]
    export = AuditRecord.objects.get(action="audit.export")
    assert export.detail["filters"] == {"action": "test.event1"}
    assert export.detail["rows"] == 2


def test_export_link_keeps_the_filters(client, auditor):
    body = client.get("/audit/", {"actor": "alice"}).content.decode()
    assert 'href="/audit/export.csv?actor=alice' in body


def test_export_with_invalid_filters(client, auditor):
    response = client.get("/audit/export.csv", {"since": "yesterday"})
    assert response.status_code == 400
    assert not AuditRecord.objects.filter(action="audit.export").exists()

import io
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from pingan.audit.models import AuditRecord
from tests.audit.factories import NOW, head, make_chain

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def test_verify_intact_chain_exits_zero_and_prints_a_checkpoint():
    make_chain(5)
    out = _run("verify")
    assert "审计链完整：校验 5 条记录（序号 1–5）" in out
    checkpoint = f"checkpoint: 5:{AuditRecord.objects.get(seq=5).hash}"
    assert checkpoint in out
    run = AuditRecord.objects.get(action="audit.verify")
    assert run.actor_username.startswith("cli")
    assert run.outcome == "ok"
    # The printed checkpoint is accepted later (the verify record itself came after it).
    assert "审计链完整" in _run("verify", "--expect", checkpoint.split(" ")[1], "--no-record")


def test_verify_broken_chain_exits_one_and_names_the_row():
    make_chain(8)
    AuditRecord.objects.filter(seq=5).delete()
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("audit", "verify", "--batch-size", "3", stdout=out)
    assert info.value.returncode == 1
    assert "seq 5 (deleted)" in str(info.value)
    assert "审计链断裂于第 5 条记录 [deleted]：缺少第 5–5 条记录" in out.getvalue()
    assert AuditRecord.objects.get(action="audit.verify").outcome == "failed"


def test_verify_json_output():
    make_chain(2)
    data = json.loads(_run("verify", "--json", "--no-record"))
    assert data["intact"] is True
    assert data["checked"] == 2
    assert not AuditRecord.objects.filter(action="audit.verify").exists()


def test_verify_rejects_a_malformed_checkpoint():
    with pytest.raises(CommandError, match="序号:哈希"):
        _run("verify", "--expect", "12:xyz")


@pytest.fixture
def now(settings):
    settings.PINGAN_AUDIT_RETENTION_DAYS = 180
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


def test_purge_dry_run_then_purge(now):
    make_chain(30, start=NOW - 200 * DAY, step=DAY)  # 200 … 171 days old
    out = _run("purge", "--dry-run")
    assert "将删除 20 条" in out
    assert "（序号 1–20）" in out
    assert AuditRecord.objects.count() == 30
    out = _run("purge")
    assert "已删除 20 条" in out
    assert "保留期 180 天" in out
    assert head().anchor_seq == 20
    assert "审计链完整" in _run("verify")


def test_purge_before_date_and_days(now):
    make_chain(30, start=NOW - 300 * DAY, step=DAY)  # 300 … 271 days old
    assert "已删除 10 条" in _run("purge", "--before", "2026-02-04")
    assert "已删除 5 条" in _run("purge", "--older-than-days", "285")
    assert "没有" in _run("purge", "--older-than-days", "290")


def test_purge_refuses_recent_cutoffs(now):
    make_chain(3, start=NOW - 10 * DAY)
    with pytest.raises(CommandError, match="审计记录至少保留 180 天"):
        _run("purge", "--older-than-days", "90")
    with pytest.raises(CommandError, match="无法识别的时间"):
        _run("purge", "--before", "yesterday")
    assert AuditRecord.objects.count() == 3

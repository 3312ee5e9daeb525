from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from pingan.audit import tasks
from pingan.audit.chain import GENESIS_HASH
from pingan.audit.models import AuditRecord
from pingan.audit.services import AuditChainBroken, purge_audit, purge_candidates, purge_cutoff
from pingan.audit.verify import verify_chain
from tests.audit.factories import NOW, append_at, head, make_chain
from tests.factories import make_actor

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def now(settings):
    settings.PINGAN_AUDIT_RETENTION_DAYS = 180
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


def _daily_chain(days_ago_first: int, days_ago_last: int) -> list[AuditRecord]:
    """One record a day, oldest first (seq 1 is the oldest)."""
    count = days_ago_first - days_ago_last + 1
    return make_chain(count, start=NOW - days_ago_first * DAY, step=DAY)


def test_purge_deletes_old_prefix_and_keeps_the_chain_verifiable(now):
    records = _daily_chain(400, 10)  # seq 1 = 400 days ago … seq 391 = 10 days ago
    actor = make_actor()
    assert purge_cutoff() == NOW - 180 * DAY

    result = purge_audit(actor=actor, before=NOW - 200 * DAY)

    # Records 400…201 days old are seq 1…200.
    assert (result.deleted, result.first_seq, result.last_seq) == (200, 1, 200)
    assert result.anchor_seq == 200
    assert result.anchor_hash == records[199].hash
    assert AuditRecord.objects.order_by("seq").first().seq == 201
    assert AuditRecord.objects.get(seq=201).prev_hash == head().anchor_hash
    assert (head().anchor_seq, head().anchor_hash) == (200, records[199].hash)
    verified = verify_chain()
    assert verified.ok, verified.broken
    assert verified.checked == 192  # 191 kept + the purge record
    record = result.record
    assert record.action == "audit.purge"
    assert record.actor_username == actor.user.username
    assert record.detail["deleted"] == 200
    assert record.detail["anchor_seq"] == 200
    assert record.seq == 392


def test_rows_younger_than_180_days_are_never_deleted(now, settings):
    settings.PINGAN_AUDIT_RETENTION_DAYS = 30  # below the legal floor: 180 applies
    _daily_chain(200, 0)
    with pytest.raises(ValidationError) as info:
        purge_audit(actor=None, before=NOW - 100 * DAY)
    assert info.value.code == "retention"
    assert "审计记录至少保留 180 天" in info.value.messages[0]
    with pytest.raises(ValidationError):
        purge_audit(actor=None, before=NOW - 179 * DAY)
    assert AuditRecord.objects.count() == 201  # nothing deleted, nothing recorded

    result = purge_audit(actor=None, before=purge_cutoff())
    assert result.deleted == 20  # 200…181 days old
    oldest = AuditRecord.objects.order_by("seq").first()
    assert oldest.created_at == NOW - 180 * DAY
    assert verify_chain().ok


def test_configured_retention_longer_than_the_floor_applies(now, settings):
    settings.PINGAN_AUDIT_RETENTION_DAYS = 365
    _daily_chain(370, 360)
    with pytest.raises(ValidationError, match="365"):
        purge_audit(actor=None, before=NOW - 200 * DAY)
    assert purge_audit(actor=None, before=NOW - 365 * DAY).deleted == 5


def test_only_a_prefix_goes_even_when_clocks_jumped(now):
    make_chain(3, start=NOW - 300 * DAY, step=DAY)  # seq 1-3 old
    append_at(NOW - 5 * DAY, action="clock.ahead")  # seq 4: young (a clock ran ahead)
    make_chain(3, start=NOW - 290 * DAY, step=DAY)  # seq 5-7 old again
    result = purge_audit(actor=None, before=NOW - 200 * DAY)
    assert result.deleted == 3
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == [
        4,
        5,
        6,
        7,
        8,
    ]
    assert verify_chain().ok


def test_purge_in_batches(now):
    records = _daily_chain(300, 290)  # 11 records, all old
    result = purge_audit(actor=None, before=NOW - 200 * DAY, batch_size=3)
    assert (result.deleted, result.first_seq, result.last_seq) == (11, 1, 11)
    assert result.anchor_hash == records[-1].hash
    # Everything went: the purge record continues from the anchor.
    assert list(AuditRecord.objects.values_list("seq", flat=True)) == [12]
    assert result.record.prev_hash == records[-1].hash
    verified = verify_chain()
    assert verified.ok
    assert verified.checked == 1


def test_nothing_to_purge_is_still_recorded(now):
    _daily_chain(20, 10)
    result = purge_audit(actor=None, before=purge_cutoff(), username="task:audit")
    assert result.deleted == 0
    assert (result.anchor_seq, result.anchor_hash) == (0, GENESIS_HASH)
    assert result.record.actor_username == "task:audit"
    assert result.record.detail["deleted"] == 0
    assert verify_chain().ok


def test_tampering_after_a_purge_is_still_detected(now):
    _daily_chain(300, 100)
    purge_audit(actor=None, before=NOW - 250 * DAY)  # deletes seq 1..50
    assert head().anchor_seq == 50
    assert verify_chain().ok

    AuditRecord.objects.filter(seq=120).update(outcome="denied")
    result = verify_chain()
    assert (result.broken.code, result.broken.seq) == ("edited", 120)
    AuditRecord.objects.filter(seq=120).delete()
    result = verify_chain()
    assert (result.broken.code, result.broken.seq) == ("deleted", 120)


def test_deleting_past_the_anchor_is_detected(now):
    _daily_chain(300, 100)
    purge_audit(actor=None, before=NOW - 250 * DAY)
    AuditRecord.objects.filter(seq__lte=60).delete()  # "purging" without moving the anchor
    result = verify_chain()
    assert (result.broken.code, result.broken.seq) == ("deleted", 51)


def test_forged_anchor_is_detected(now):
    _daily_chain(300, 100)
    purge_audit(actor=None, before=NOW - 250 * DAY)
    head_row = head()
    head_row.anchor_hash = "e" * 64
    head_row.save()
    result = verify_chain()
    assert (result.broken.code, result.broken.seq) == ("relinked", 51)


def test_purge_refuses_to_destroy_a_broken_part(now):
    _daily_chain(300, 100)
    AuditRecord.objects.filter(seq=30).update(detail={"forged": True})
    with pytest.raises(AuditChainBroken, match="第 30 条") as info:
        purge_audit(actor=None, before=NOW - 250 * DAY, batch_size=20)
    assert info.value.seq == 30
    # The first batch (seq 1-20) was intact and went; the broken part stays as evidence.
    assert AuditRecord.objects.filter(seq=30).exists()
    assert head().anchor_seq == 20
    failed = AuditRecord.objects.get(action="audit.purge")
    assert failed.outcome == "failed"
    assert failed.detail["broken_seq"] == 30
    assert (verify_chain().broken.code, verify_chain().broken.seq) == ("edited", 30)


def test_purge_candidates(now):
    _daily_chain(300, 100)
    assert purge_candidates(NOW - 250 * DAY) == (50, 1, 50)
    purge_audit(actor=None, before=NOW - 250 * DAY)
    assert purge_candidates(NOW - 250 * DAY) == (0, None, None)
    assert purge_candidates(NOW - 240 * DAY) == (10, 51, 60)


def test_naive_before_is_local_time(now):
    _daily_chain(300, 290)
    result = purge_audit(actor=None, before=datetime(2026, 3, 1))
    assert result.before.tzinfo is not None
    assert result.deleted == 11


def test_periodic_task_purges_with_the_configured_retention(now, settings):
    settings.PINGAN_AUDIT_RETENTION_DAYS = 200
    _daily_chain(210, 190)
    assert tasks.purge_expired_audit_records.call_local() == 10  # 210…201 days old
    assert AuditRecord.objects.order_by("seq").first().created_at == NOW - 200 * DAY
    assert AuditRecord.objects.filter(action="audit.purge", actor_username="task:audit").exists()
    assert verify_chain().ok


def test_periodic_tasks_run_at_local_night_hours():
    purge = tasks.purge_expired_audit_records.task_class()
    verify = tasks.verify_audit_chain_nightly.task_class()
    # Huey matches crontabs against UTC; 03:30 / 04:00 in Asia/Shanghai are 19:30 / 20:00 UTC.
    assert purge.validate_datetime(datetime(2026, 11, 20, 19, 30))
    assert not purge.validate_datetime(datetime(2026, 11, 20, 3, 30))
    assert verify.validate_datetime(datetime(2026, 11, 20, 20, 0))


def test_nightly_verification_is_recorded(now):
    make_chain(5)
    assert tasks.verify_audit_chain_nightly.call_local() is True
    run = AuditRecord.objects.get(action="audit.verify")
    assert run.outcome == "ok"
    assert run.detail["checked"] == 5
    AuditRecord.objects.filter(seq=2).update(action="changed")
    assert tasks.verify_audit_chain_nightly.call_local() is False
    run = AuditRecord.objects.filter(action="audit.verify").order_by("-seq").first()
    assert (run.outcome, run.detail["code"], run.detail["seq"]) == ("failed", "edited", 2)

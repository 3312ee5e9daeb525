import json
import math
import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F

from pingan.audit.chain import GENESIS_HASH, hash_of
from pingan.audit.models import AuditChainHead, AuditRecord
from pingan.audit.services import audit_log
from pingan.audit.verify import parse_checkpoint, verify_chain
from tests.audit.factories import head, make_chain, raw_sql
from tests.factories import make_actor

pytestmark = pytest.mark.django_db


def _broken(code: str, seq: int, **kwargs):
    result = verify_chain(**kwargs)
    assert not result.ok
    assert (result.broken.code, result.broken.seq) == (code, seq), result.broken
    return result


def _rehash(seq: int) -> str:
    """What an attacker with database access does after editing a row: recompute its hash."""
    row = AuditRecord.objects.get(seq=seq)
    new = hash_of(row)
    AuditRecord.objects.filter(seq=seq).update(hash=new)
    return new


def test_empty_chain_is_intact():
    result = verify_chain()
    assert result.ok
    assert (result.checked, result.head_seq, result.head_hash) == (0, 0, GENESIS_HASH)
    assert result.summary() == f"审计链完整：没有需要校验的记录，链头哈希 {GENESIS_HASH}。"


def test_intact_chain():
    actor = make_actor()
    records = make_chain(12)
    audit_log(actor=actor, action="x.y", object_id=5, detail={"a": [1, 2]}, ip="10.0.0.1")
    result = verify_chain(batch_size=5)
    assert result.ok
    assert result.checked == 13
    assert result.head_seq == 13
    assert result.head_hash == AuditRecord.objects.get(seq=13).hash
    assert result.head_hash == head().last_hash
    assert records[0].prev_hash == GENESIS_HASH
    assert "审计链完整：校验 13 条记录（序号 1–13）" in result.summary()


def test_changed_detail_is_detected():
    make_chain(10)
    AuditRecord.objects.filter(seq=6).update(detail={"n": 5, "note": "改过"})
    result = _broken("edited", 6)
    assert result.checked == 5
    assert "第 6 条记录的内容被修改" in result.broken.message


def test_changed_actor_is_detected():
    make_chain(10)
    raw_sql("UPDATE {table} SET actor_username = %s WHERE seq = %s", ["someone_else", 3])
    _broken("edited", 3)


@pytest.mark.parametrize(
    "column_update",
    [
        {"outcome": "denied"},
        {"action": "other.action"},
        {"object_id": "999"},
        {"region_code": "990102"},
        {"ip": "10.9.9.9"},
        {"position_id": 77},
        {"created_at": datetime(2026, 1, 1, tzinfo=datetime.now().astimezone().tzinfo)},
    ],
)
def test_any_changed_column_is_detected(column_update):
    make_chain(6)
    AuditRecord.objects.filter(seq=4).update(**column_update)
    _broken("edited", 4)


def test_changed_prev_hash_is_detected():
    make_chain(6)
    AuditRecord.objects.filter(seq=4).update(prev_hash="f" * 64)
    _broken("edited", 4)


def test_deleted_middle_row_is_detected():
    make_chain(10)
    AuditRecord.objects.filter(seq=5).delete()
    result = _broken("deleted", 5, batch_size=4)
    assert "缺少第 5–5 条记录" in result.broken.message


def test_deleted_rows_at_the_start_are_detected():
    make_chain(10)
    raw_sql("DELETE FROM {table} WHERE seq <= %s", [3])
    _broken("deleted", 1)


def test_deleted_last_row_is_detected():
    make_chain(10)
    AuditRecord.objects.filter(seq=10).delete()
    result = _broken("truncated", 10)
    assert "链头记录到第 10 条，表中只到第 9 条" in result.broken.message


def test_swapped_seq_is_detected_as_reordering():
    make_chain(10)
    # Swap rows 4 and 5 (through a free seq value, seq is unique).
    AuditRecord.objects.filter(seq=4).update(seq=-1)
    AuditRecord.objects.filter(seq=5).update(seq=4)
    AuditRecord.objects.filter(seq=-1).update(seq=5)
    result = _broken("reordered", 4)
    assert "第 4 条记录链接到第 5 条记录之后" in result.broken.message


def test_swapped_content_is_detected_as_reordering():
    make_chain(10)
    fields = [
        f.attname for f in AuditRecord._meta.concrete_fields if f.attname not in ("id", "seq")
    ]
    row7, row8 = (AuditRecord.objects.filter(seq=s).values(*fields).get() for s in (7, 8))
    AuditRecord.objects.filter(seq=7).update(**row8)
    AuditRecord.objects.filter(seq=8).update(**row7)
    _broken("reordered", 7)


def test_reordering_by_reversing_the_tail_is_detected():
    make_chain(8)
    AuditRecord.objects.filter(seq__gte=5).update(seq=F("seq") * -1)
    AuditRecord.objects.filter(seq__lte=-5).update(seq=F("seq") + 13)  # -5→8 … -8→5
    _broken("reordered", 5)


def test_rewritten_row_with_recomputed_hash_breaks_the_next_link():
    make_chain(10)
    AuditRecord.objects.filter(seq=6).update(actor_username="nobody")
    _rehash(6)
    result = _broken("relinked", 7)
    assert "上一条记录被改写并重新计算了哈希" in result.broken.message


def test_rewritten_tail_without_the_head_is_detected():
    make_chain(6)
    AuditRecord.objects.filter(seq=4).update(outcome="denied")
    for seq in (4, 5, 6):
        row = AuditRecord.objects.get(seq=seq)
        if seq > 4:
            AuditRecord.objects.filter(seq=seq).update(
                prev_hash=AuditRecord.objects.get(seq=seq - 1).hash
            )
            row.refresh_from_db()
        AuditRecord.objects.filter(seq=seq).update(hash=hash_of(row))
    _broken("head_mismatch", 6)


def test_rewritten_tail_and_head_is_caught_by_a_checkpoint():
    make_chain(6)
    checkpoint = (5, AuditRecord.objects.get(seq=5).hash)
    assert verify_chain(expect=checkpoint).ok
    AuditRecord.objects.filter(seq=4).update(outcome="denied")
    for seq in (4, 5, 6):
        if seq > 4:
            AuditRecord.objects.filter(seq=seq).update(
                prev_hash=AuditRecord.objects.get(seq=seq - 1).hash
            )
        _rehash(seq)
    AuditChainHead.objects.filter(id=1).update(last_hash=AuditRecord.objects.get(seq=6).hash)
    assert verify_chain().ok  # a consistent rewrite: the chain alone cannot tell
    _broken("checkpoint", 5, expect=checkpoint)


def test_checkpoint_beyond_the_head_means_the_tail_was_cut():
    make_chain(6)
    checkpoint = (6, AuditRecord.objects.get(seq=6).hash)
    AuditRecord.objects.filter(seq=6).delete()
    AuditChainHead.objects.filter(id=1).update(
        last_seq=5, last_hash=AuditRecord.objects.get(seq=5).hash
    )
    assert verify_chain().ok
    _broken("checkpoint", 6, expect=checkpoint)


def test_row_inserted_past_the_head_is_detected():
    records = make_chain(4)
    forged = AuditRecord.objects.get(seq=4)
    forged.pk, forged.seq, forged.prev_hash = None, 5, records[-1].hash
    forged.hash = hash_of(forged)
    forged.save(force_insert=True)
    result = _broken("head_mismatch", 5)
    assert "表中有第 5 条记录，链头却只到第 4 条" in result.broken.message


def test_missing_head_is_detected():
    make_chain(3)
    AuditChainHead.objects.all().delete()
    _broken("head_missing", 1)


def test_moved_anchor_is_detected():
    make_chain(5)
    AuditChainHead.objects.filter(id=1).update(anchor_seq=2)
    _broken("anchor_mismatch", 1)


def test_rolled_back_transaction_leaves_no_record_and_an_intact_chain():
    make_chain(3)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_log(actor=None, action="test.rolled_back")
        raise RuntimeError("the audited write failed")
    assert not AuditRecord.objects.filter(action="test.rolled_back").exists()
    assert head().last_seq == 3
    assert verify_chain().ok
    audit_log(actor=None, action="test.after")
    assert AuditRecord.objects.get(action="test.after").seq == 4
    assert verify_chain().ok


def test_values_that_do_not_round_trip_through_json_still_verify():
    detail = {
        "big": 1e20,
        "neg_zero": -0.0,
        "nan": math.nan,
        "inf": -math.inf,
        "small": 1.5e-7,
        "third": 1 / 3,
        "nul": "a\x00b",
        "tuple": (1, "二"),
        "set": {3},
        "decimal": Decimal("1.10"),
        "day": date(2026, 1, 2),
        "nested": {"k\x00": [1.0, 2.5, {"x": None}]},
    }
    record = audit_log(
        actor=None,
        action="a" * 100,
        username="x\x00" * 200,
        object_id=12345,
        ip="not-an-ip",
        detail=detail,
    )
    record.refresh_from_db()
    assert record.detail["big"] == 100000000000000000000
    assert record.detail["nan"] == "nan"
    assert record.detail["nul"] == "ab"
    assert record.detail["decimal"] == "1.10"
    assert record.detail["ip_raw"] == "not-an-ip"
    assert record.ip is None
    assert record.actor_username == "x" * 150
    assert len(record.action) == 64
    assert record.object_id == "12345"
    assert audit_log(actor=None, action="x", object_id=0).object_id == "0"
    assert verify_chain().ok


def test_ip_defaults_to_the_actor_address():
    from pingan.accounts.scope import Actor

    base = make_actor()
    actor = Actor(user=base.user, position=base.position, ip="2001:db8::1")
    record = audit_log(actor=actor, action="x")
    record.refresh_from_db()
    assert record.ip == "2001:db8::1"
    assert audit_log(actor=actor, action="x", ip="10.1.1.1").ip == "10.1.1.1"
    assert verify_chain().ok


def test_stored_detail_equals_what_was_hashed():
    record = audit_log(actor=None, action="x", detail={"b": 1, "a": {"z": [1, 2], "y": "中"}})
    stored = AuditRecord.objects.get(pk=record.pk)
    assert stored.detail == {"a": {"y": "中", "z": [1, 2]}, "b": 1}
    assert hash_of(stored) == stored.hash
    assert json.loads(json.dumps(stored.detail)) == stored.detail


def test_parse_checkpoint():
    digest = "ab" * 32
    assert parse_checkpoint(f"12:{digest.upper()}") == (12, digest)
    for bad in ("12", f"x:{digest}", "12:abc", f"12:{'zz' * 32}"):
        with pytest.raises(ValueError, match="序号:哈希"):
            parse_checkpoint(bad)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's in-memory test database does not allow concurrent writers",
)
def test_concurrent_appends_stay_linear():
    errors = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                audit_log(actor=None, action="test.concurrent", detail={"t": n, "i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 91)
    )
    result = verify_chain()
    assert result.ok
    assert result.checked == 90


def test_walk_reads_in_fixed_size_batches():
    from django.test.utils import CaptureQueriesContext

    make_chain(23)
    with CaptureQueriesContext(connection) as ctx:
        assert verify_chain(batch_size=5).ok
    walks = [q["sql"] for q in ctx.captured_queries if "LIMIT 5" in q["sql"]]
    assert len(walks) == 5  # 5 + 5 + 5 + 5 + 3 rows: memory bounded by the batch size
    assert all(sql.endswith("ORDER BY 2 ASC LIMIT 5") for sql in walks)  # by seq

"""Verifying the audit hash chain (`pingan audit verify`, the audit page, the nightly task).

The walk goes in `seq` order in fixed-size batches (keyset pagination: constant memory,
no server-side cursor) from the anchor in `AuditChainHead` to its `last_seq`, recomputing
every hash and checking every link. It reports the FIRST break, with a code and a Chinese
message:

=================  ======================================================================
code               meaning
=================  ======================================================================
edited             a row's content no longer matches its stored hash
deleted            seq numbers are missing (rows deleted from the middle or the start)
reordered          a row links to a row that sits elsewhere in the chain (seq swapped)
relinked           a row's prev_hash matches no row: the row before it was rewritten with a
                   recomputed hash, or this row was replaced
truncated          the head says the chain is longer than the table (rows cut off the end)
head_mismatch      the head's hash differs from the last row's, or rows exist past the head
head_missing       rows exist but the chain head row is gone
anchor_mismatch    rows exist at or before the purge anchor
checkpoint         a previously recorded (seq, hash) checkpoint is no longer in the chain
=================  ======================================================================

The chain alone cannot notice a rewrite of the whole tail *including* the head; recording
the head hash outside the database (`--expect SEQ:HASH`) closes that gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from pingan.audit.chain import GENESIS_HASH, hash_of
from pingan.audit.models import AuditChainHead, AuditRecord

BATCH_SIZE = 2000
_FIELDS = (
    "id",
    "seq",
    "created_at",
    "actor_username",
    "position_id",
    "action",
    "object_type",
    "object_id",
    "region_code",
    "ip",
    "outcome",
    "detail",
    "prev_hash",
    "hash",
)
# A purge running alongside moves the anchor; the walk then starts over (bounded).
MAX_RESTARTS = 3


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    code: str
    message: str


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    head_seq: int
    head_hash: str
    anchor_seq: int
    seconds: float
    broken: ChainBreak | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.broken is None

    def as_detail(self) -> dict[str, Any]:
        detail = {
            "intact": self.ok,
            "checked": self.checked,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "anchor_seq": self.anchor_seq,
            "seconds": round(self.seconds, 3),
        }
        if self.broken:
            detail.update(seq=self.broken.seq, code=self.broken.code, message=self.broken.message)
        return detail

    def summary(self) -> str:
        if self.ok and self.head_seq == self.anchor_seq:
            return _("审计链完整：没有需要校验的记录，链头哈希 %(h)s。") % {"h": self.head_hash}
        if self.ok:
            return _("审计链完整：校验 %(n)d 条记录（序号 %(a)d–%(b)d），链头哈希 %(h)s。") % {
                "n": self.checked,
                "a": self.anchor_seq + 1,
                "b": self.head_seq,
                "h": self.head_hash,
            }
        return _("审计链断裂于第 %(seq)d 条记录 [%(code)s]：%(message)s") % {
            "seq": self.broken.seq,
            "code": self.broken.code,
            "message": self.broken.message,
        }


@dataclass
class _Head:
    last_seq: int
    last_hash: str
    anchor_seq: int
    anchor_hash: str


def _read_head() -> _Head | None:
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None:
        return None
    return _Head(head.last_seq, head.last_hash, head.anchor_seq, head.anchor_hash)


class _Broken(Exception):  # noqa: N818 - internal control flow
    def __init__(self, seq: int, code: str, message: str):
        super().__init__(message)
        self.brk = ChainBreak(seq, code, message)


def _link_break(row: Any) -> _Broken:
    """Explain a row whose prev_hash is not the previous row's hash."""
    elsewhere = (
        AuditRecord.objects.filter(hash=row.prev_hash)
        .exclude(pk=row.id)
        .values_list("seq", flat=True)
        .first()
        if row.prev_hash != GENESIS_HASH
        else None
    )
    if elsewhere is not None:
        return _Broken(
            row.seq,
            "reordered",
            _("第 %(seq)d 条记录链接到第 %(other)d 条记录之后：记录顺序被调换。")
            % {"seq": row.seq, "other": elsewhere},
        )
    if hash_of(row) != row.hash:
        return _edited(row)
    return _Broken(
        row.seq,
        "relinked",
        _(
            "第 %(seq)d 条记录的前一哈希与上一条记录不符：上一条记录被改写并重新计算了哈希，"
            "或本条记录被替换。"
        )
        % {"seq": row.seq},
    )


def _edited(row: Any) -> _Broken:
    return _Broken(
        row.seq,
        "edited",
        _("第 %(seq)d 条记录的内容被修改：重新计算的哈希与存储的哈希不符。") % {"seq": row.seq},
    )


def _walk(head: _Head, expect: tuple[int, str] | None, batch_size: int) -> int:
    """Check rows (anchor, head.last_seq]; returns the number checked, raises `_Broken`."""
    expected_seq, prev, cursor, checked = head.anchor_seq + 1, head.anchor_hash, None, 0
    if expect and (
        (expect[0] == head.anchor_seq and expect[1] != head.anchor_hash)
        or expect[0] > head.last_seq
    ):
        raise _checkpoint(expect[0])
    while True:
        rows = AuditRecord.objects.filter(seq__lte=head.last_seq)
        if cursor is not None:
            rows = rows.filter(seq__gt=cursor)
        # Named tuples, not model instances: half the cost, and hash_of only reads attributes.
        batch = list(rows.order_by("seq").values_list(*_FIELDS, named=True)[:batch_size])
        for row in batch:
            if row.seq <= head.anchor_seq:
                raise _Broken(
                    row.seq,
                    "anchor_mismatch",
                    _(
                        "第 %(seq)d 条记录不应存在：清理锚点在第 %(anchor)d 条，"
                        "锚点被改写或清理不完整。"
                    )
                    % {"seq": row.seq, "anchor": head.anchor_seq},
                )
            if row.seq != expected_seq:
                raise _Broken(
                    expected_seq,
                    "deleted",
                    _("缺少第 %(a)d–%(b)d 条记录：记录被删除。")
                    % {"a": expected_seq, "b": row.seq - 1},
                )
            if row.prev_hash != prev:
                raise _link_break(row)
            if hash_of(row) != row.hash:
                raise _edited(row)
            if expect and row.seq == expect[0] and row.hash != expect[1]:
                raise _checkpoint(row.seq)
            prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
        if len(batch) < batch_size:
            break
        cursor = batch[-1].seq
    last_seen = expected_seq - 1
    if last_seen < head.last_seq:
        raise _Broken(
            last_seen + 1,
            "truncated",
            _("链头记录到第 %(head)d 条，表中只到第 %(last)d 条：链尾记录被删除。")
            % {"head": head.last_seq, "last": last_seen},
        )
    if prev != head.last_hash:
        raise _Broken(
            head.last_seq,
            "head_mismatch",
            _("链头哈希与第 %(seq)d 条记录的哈希不符：链头或最后一条记录被改写。")
            % {"seq": head.last_seq},
        )
    return checked


def _checkpoint(seq: int) -> _Broken:
    return _Broken(
        seq,
        "checkpoint",
        _("第 %(seq)d 条记录的哈希与此前记下的检查点不符：审计链被整体改写。") % {"seq": seq},
    )


def _rows_past_head(head: _Head) -> _Broken | None:
    """Rows beyond the head are either appends committed after we read it (fine) or rows
    written around `audit_log` / a rolled-back head (broken): re-read the head to tell."""
    top = AuditRecord.objects.aggregate(m=Max("seq"))["m"]
    if top is None or top <= head.last_seq:
        return None
    now = _read_head()
    if now is not None and top <= now.last_seq:
        return None
    return _Broken(
        head.last_seq + 1,
        "head_mismatch",
        _("表中有第 %(top)d 条记录，链头却只到第 %(head)d 条：记录绕过审计服务写入或链头被改写。")
        % {"top": top, "head": now.last_seq if now else head.last_seq},
    )


def verify_chain(
    *, expect: tuple[int, str] | None = None, batch_size: int = BATCH_SIZE
) -> VerifyResult:
    """Walk the chain and return the result with the first break, if any.

    Read-only and lock-free: appends during the walk are outside the head read at the start
    and are left for the next run. `expect` is an earlier (seq, hash) of the chain to check
    as well (a seq at or before the purge anchor can only be checked if it is the anchor).
    """
    started = time.monotonic()
    for _attempt in range(MAX_RESTARTS + 1):
        head = _read_head()
        if head is None:
            first = AuditRecord.objects.order_by("seq").values_list("seq", flat=True).first()
            broken = None
            if first is not None:
                broken = ChainBreak(first, "head_missing", _("审计链头丢失，但表中有审计记录。"))
            return VerifyResult(0, 0, GENESIS_HASH, 0, time.monotonic() - started, broken=broken)
        try:
            checked = _walk(head, expect, batch_size)
            past = _rows_past_head(head)
            if past is not None:
                raise past
            broken = None
        except _Broken as exc:
            now = _read_head()
            if now is not None and now.anchor_seq != head.anchor_seq:
                continue  # a purge moved the anchor while we walked: start again
            # Rows before the break were verified.
            broken, checked = exc.brk, max(0, exc.brk.seq - head.anchor_seq - 1)
        extra = {}
        if expect and expect[0] < head.anchor_seq:
            extra["checkpoint"] = "purged"
        return VerifyResult(
            checked=checked,
            head_seq=head.last_seq,
            head_hash=head.last_hash,
            anchor_seq=head.anchor_seq,
            seconds=time.monotonic() - started,
            broken=broken,
            extra=extra,
        )
    raise RuntimeError("audit chain verification kept racing with purges")


def parse_checkpoint(value: str) -> tuple[int, str]:
    """`"1234:ab…"` → (1234, "ab…"); raises ValueError with a Chinese message."""
    seq, sep, digest = value.partition(":")
    digest = digest.strip().lower()
    if not sep or not seq.strip().isdigit() or len(digest) != 64:
        raise ValueError(_("检查点格式应为 序号:哈希（64位十六进制），例如 1234:ab12…"))
    try:
        int(digest, 16)
    except ValueError as exc:
        raise ValueError(_("检查点格式应为 序号:哈希（64位十六进制），例如 1234:ab12…")) from exc
    return int(seq), digest

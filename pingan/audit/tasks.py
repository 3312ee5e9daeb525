"""Periodic audit tasks: nightly retention purge and chain verification; on-demand verify.

Huey evaluates crontabs in UTC (its default `utc=True`), so the local wall-clock times below
are converted with the offset of settings.TIME_ZONE (China has no daylight saving time; in a
zone that has, the run moves by an hour across the change, which is harmless here).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from pingan.audit.services import AuditChainBroken, purge_audit, purge_cutoff, record_verification
from pingan.audit.verify import verify_chain

logger = logging.getLogger(__name__)

TASK_USERNAME = "task:audit"


def local_crontab(hour: int, minute: int) -> crontab:
    """A daily crontab at hour:minute in settings.TIME_ZONE, expressed for Huey (UTC)."""
    offset = datetime.now(ZoneInfo(settings.TIME_ZONE)).utcoffset()
    total = (hour * 60 + minute - int(offset.total_seconds() // 60)) % (24 * 60)
    return crontab(hour=str(total // 60), minute=str(total % 60))


@db_periodic_task(local_crontab(3, 30))
def purge_expired_audit_records() -> int:
    """03:30 local: delete audit records older than the retention (≥ 180 days)."""
    try:
        result = purge_audit(actor=None, before=purge_cutoff(), username=TASK_USERNAME)
    except AuditChainBroken:
        logger.exception("Audit retention purge stopped: the audit chain is broken")
        return 0
    logger.info("Audit retention purge deleted %d records", result.deleted)
    return result.deleted


@db_periodic_task(local_crontab(4, 0))
def verify_audit_chain_nightly() -> bool:
    """04:00 local: verify the whole chain and record the outcome in the chain itself."""
    result = verify_chain()
    record_verification(result, actor=None, username=TASK_USERNAME)
    if not result.ok:
        logger.error("Audit chain verification failed: %s", result.summary())
    return result.ok


@db_task()
def verify_audit_chain(user_id: int, position_id: int | None) -> bool:
    """Verification asked for on the audit page (large chains run here, off the request).
    The outcome is recorded under the auditor who asked."""
    from pingan.accounts.models import Position, User
    from pingan.accounts.scope import Actor

    user = User.objects.filter(pk=user_id).first()
    position = Position.objects.filter(pk=position_id).first() if position_id else None
    actor = Actor(user=user, position=position) if user else None
    result = verify_chain()
    record_verification(result, actor=actor, username=TASK_USERNAME)
    if not result.ok:
        logger.error("Audit chain verification failed: %s", result.summary())
    return result.ok

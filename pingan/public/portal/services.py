"""Writes of the citizen portal: a report with photos (once per form), a rating, a request to
reopen, and the record of a refused request.

The portal has no actor: the citizen proves ownership of a case (query code, SMS one-time
code, or the signed survey link) and the views check that before calling these. Every
refusal (rate limit, honeypot, size) is audited as `public:portal`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.core.uploads import CheckedFile
from pingan.events.attachments import remove_files, store_files
from pingan.flow.errors import ActionNotAllowed
from pingan.flow.models import Case
from pingan.flow.services import case_act_public
from pingan.public.models import PublicChannel
from pingan.public.portal.models import PortalSubmission
from pingan.public.portal.selectors import open_public_actions
from pingan.public.services import public_report_submit

USERNAME = "public:portal"
# The result page may show the query code for this long after the report; then it is cleared.
RESULT_SHOWN = dt.timedelta(hours=1)
KEEP = dt.timedelta(days=1)


def submission_for(token: str) -> PortalSubmission | None:
    """The finished submission of a form token, if that form was already sent."""
    if not token:
        return None
    return (
        PortalSubmission.objects.select_related("case")
        .filter(token=token, case__isnull=False)
        .first()
    )


def portal_report_submit(
    *,
    token: str,
    county: str,
    data: dict[str, Any],
    phone: str,
    name: str = "",
    photos: list[CheckedFile] | None = None,
    ip: str | None = None,
) -> tuple[PortalSubmission, bool]:
    """Register a citizen's report from the portal form; returns (submission, created).

    `token` is the form's idempotency token: the same token again returns the first
    submission and saves nothing (also when both arrive at once). The phone is required
    (the citizen is told the query code and progress by SMS). `photos` were checked by the
    caller (`pingan.core.uploads.check_uploads`). Field errors raise `ActionInvalid` and
    nothing is saved (no case, no files). Side effects in one transaction: those of
    `public_report_submit` (case, report, audit, SMS on commit), the photos as case
    attachments without uploader, one `case.attachment_add` audit record, the submission row.
    """
    now = timezone.now()
    stored = []
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    submission = PortalSubmission.objects.create(token=token, created_at=now)
            except IntegrityError:
                # The same form was sent a moment ago (a double tap): that one wins.
                existing = submission_for(token)
                if existing is None:
                    raise
                return existing, False
            case, _report, code = public_report_submit(
                channel=PublicChannel.PORTAL,
                county=county,
                data=data,
                phone=phone,
                name=name,
                phone_required=True,
                ip=ip,
            )
            if photos:
                stored = store_files(
                    actor=Actor(user=None, position=None, ip=ip), case=case, files=photos
                )
                audit_log(
                    actor=None,
                    username=USERNAME,
                    action="case.attachment_add",
                    object_type="flow.case",
                    object_id=case.number,
                    region_code=case.region_code,
                    ip=ip,
                    detail={
                        "attachments": [
                            {"id": r.pk, "type": r.content_type, "size": r.size, "sha256": r.sha256}
                            for r in stored
                        ]
                    },
                )
            submission.case, submission.code = case, code
            submission.save(update_fields=["case", "code"])
            _tidy(now)
    except BaseException:
        remove_files([row.file.name for row in stored])
        raise
    return submission, True


def _tidy(now: dt.datetime) -> None:
    """Clear query codes the result page no longer shows; drop old tokens."""
    PortalSubmission.objects.filter(created_at__lt=now - KEEP).delete()
    PortalSubmission.objects.filter(created_at__lt=now - RESULT_SHOWN).exclude(code="").update(
        code=""
    )


def result_code(submission: PortalSubmission, now: dt.datetime | None = None) -> str:
    """The query code for the result page, while it may still be shown."""
    if (now or timezone.now()) - submission.created_at > RESULT_SHOWN:
        return ""
    return submission.code


def _require_open(case: Case, action: str) -> None:
    if action not in open_public_actions(case):
        raise ActionNotAllowed(
            _("该案件现在不能评价或申请重新办理（须在办结后 %(days)d 天内）。")
            % {"days": _window_days()},
            open_public_actions(case),
        )


def _window_days() -> int:
    return settings.PINGAN_PUBLIC_REOPEN_DAYS


def portal_rate(*, case: Case, satisfaction: str, note: str = "", ip: str | None = None) -> Case:
    """The citizen rates the result of their closed case (回访 by the citizen).

    Permission: the caller has checked the citizen's proof of ownership. Open only while
    the engine offers `callback` and within PINGAN_PUBLIC_REOPEN_DAYS after closure, else
    `ActionNotAllowed`. An unsatisfied rating reopens the case when
    PINGAN_REOPEN_ON_UNSATISFIED. Side effects: those of `case_act_public` (history row
    without a user, audit as public:portal, SMS to the reporter on commit).
    """
    _require_open(case, "callback")
    return case_act_public(
        case=case,
        action="callback",
        channel=PublicChannel.PORTAL,
        note=note,
        ip=ip,
        satisfaction=satisfaction,
    )


def portal_reopen(*, case: Case, reason: str, ip: str | None = None) -> Case:
    """The citizen asks for their closed case to be handled again, with a reason.

    Permission and window as `portal_rate`; the reason is required (`ActionInvalid` on
    `note`). Side effects: those of `case_act_public` (the case goes back to handling).
    """
    _require_open(case, "reopen")
    return case_act_public(
        case=case, action="reopen", channel=PublicChannel.PORTAL, note=reason, ip=ip
    )


def portal_refusal(
    *, reason: str, ip: str | None, path: str, detail: dict[str, Any] | None = None
) -> None:
    """Audit a refused portal request (rate limit, honeypot, oversize, bad proof)."""
    audit_log(
        actor=None,
        username=USERNAME,
        action="public.portal_refused",
        object_type="public.portal",
        ip=ip,
        outcome="denied",
        detail={"reason": reason, "path": path[:200], **(detail or {})},
    )

"""POST servicerequestupdates: a citizen's comment on their own case, sent by the client
system that posted the case (FixMyStreet's update extension), and how staff see it.

What a comment does (`docs/integration/open311.md` §3.8):
- It is stored (`Open311Update`: the text, the media links, name and e-mail encrypted) and
  shown to staff in the case timeline as a 群众留言 record, also on the parent when the case
  was merged into another. It is never published: the GET answers show public steps only.
- `status` OPEN (or REOPEN) on a closed case (closed or archived) asks for reopening, like
  the portal's 申请重新办理: `case_act_public(action="reopen")` with the comment as the
  reason, while the citizen's window is open (PINGAN_PUBLIC_REOPEN_DAYS after closure). Past
  the window, or on a duplicate merged into another case, the comment is kept with that
  outcome and the case stays closed: staff read it and decide.
- Any other status (CLOSED, FIXED, … or OPEN on an open case) only adds the comment: a
  citizen cannot close a case.
Only the client that posted a case may comment on it; other cases answer 404 as if unknown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.audit.services import audit_log
from pingan.events.models_extra import CaseMerge
from pingan.flow.models import Case
from pingan.flow.services import case_act_public
from pingan.flow.timeline import TimelineEntry
from pingan.notify.wiring.common import UnitMembers, tell_unit
from pingan.public.models import (
    Open311Client,
    Open311Update,
    Open311UpdateOutcome,
    PublicChannel,
)
from pingan.public.open311 import statuses
from pingan.public.open311.errors import Open311Error, bad_request, not_found
from pingan.public.open311.params import Arguments, w3c_datetime
from pingan.public.open311.selectors import public_requests
from pingan.public.open311.services import email_address, media_urls, person_name
from pingan.public.portal.selectors import open_public_actions

# FixMyStreet's statuses in upper case (`status_extended_upper`); OPEN and CLOSED are the
# spec's own. OPEN and REOPEN mean "still not solved"; every other one adds the comment only.
STATUSES = (
    "OPEN",
    "CLOSED",
    "FIXED",
    "IN_PROGRESS",
    "ACTION_SCHEDULED",
    "INVESTIGATING",
    "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY",
    "NO_FURTHER_ACTION",
    "INTERNAL_REFERRAL",
    "REOPEN",
    "FOR_TRIAGE",
)
REOPEN_STATUSES = frozenset({"OPEN", "REOPEN"})
UPDATE_ID_MAX = 100
DESCRIPTION_MAX = 2000  # the engine's limit for the reason of a reopen
REQUIRED = ("service_request_id", "update_id", "updated_datetime", "status", "description")


@dataclass(frozen=True)
class Comment:
    number: str
    update_id: str
    client_datetime: dt.datetime
    status: str
    description: str
    name: str
    email: str
    media_urls: list[str]


@dataclass(frozen=True)
class Posted:
    update: Open311Update
    replayed: bool

    @property
    def update_id(self) -> str:
        """Our id of the comment (the answer's `update_id`): never one of the feed's ids."""
        return f"{self.update.case.number}-C{self.update.pk}"


def _clean(args: Arguments) -> Comment:
    """The posted fields, or Open311Error 400 listing every problem."""
    errors: list[tuple[int, str]] = [
        (400, _("%(name)s 为必填项。") % {"name": name}) for name in REQUIRED if not args.get(name)
    ]
    update_id, status = args.get("update_id"), args.get("status").upper()
    if len(update_id) > UPDATE_ID_MAX:
        errors.append((400, _("update_id 不能超过 %(max)d 字。") % {"max": UPDATE_ID_MAX}))
    moment = None
    if args.get("updated_datetime"):
        try:
            moment = w3c_datetime("updated_datetime", args.get("updated_datetime"))
        except Open311Error as exc:
            errors += exc.errors
    if status and status not in STATUSES:
        errors.append(
            (
                400,
                _("status 应为 OPEN 或 CLOSED（也接受 FixMyStreet 扩展状态，如 REOPEN、FIXED）。"),
            )
        )
    description = args.get("description")
    if len(description) > DESCRIPTION_MAX:
        errors.append((400, _("description 不能超过 %(max)d 字。") % {"max": DESCRIPTION_MAX}))
    texts: list[str] = []  # the shared checks of POST requests (same wording)
    name = person_name(args, texts)
    email = email_address(args, texts)
    media = media_urls(args, texts)
    errors += [(400, text) for text in texts]
    if errors:
        raise Open311Error(400, errors=errors)
    return Comment(
        number=args.get("service_request_id").upper(),
        update_id=update_id,
        client_datetime=moment,
        status=status,
        description=description,
        name=name,
        email=email,
        media_urls=media,
    )


def _client_case(client: Open311Client, number: str) -> Case:
    """The case `client` posted, else 404 (unknown, another channel or another client)."""
    case = public_requests().filter(number=number, public_report__client=client).first()
    if case is None:
        raise not_found(_("service_request_id %(id)s 不存在。") % {"id": number[:50]})
    return case


def _earlier(client: Open311Client, comment: Comment, case: Case) -> Open311Update | None:
    """The comment already stored under this client's update_id (a resend), if any."""
    update = (
        Open311Update.objects.select_related("case")
        .filter(client=client, update_id=comment.update_id)
        .first()
    )
    if update is not None and update.case_id != case.pk:
        raise bad_request(
            _("update_id %(id)s 已用于另一条诉求，请换一个编号。") % {"id": comment.update_id}
        )
    return update


def _status_effect(
    case: Case, comment: Comment, ip: str | None, now: dt.datetime
) -> tuple[str, int | None]:
    """(outcome, history seq of the reopen) of the comment's status on the locked case."""
    if comment.status not in REOPEN_STATUSES or case.state not in statuses.CLOSED_STATES:
        return Open311UpdateOutcome.NOTED, None
    if CaseMerge.objects.filter(child=case).exists():
        return Open311UpdateOutcome.REOPEN_MERGED, None
    if "reopen" not in open_public_actions(case, now):
        return Open311UpdateOutcome.REOPEN_EXPIRED, None
    reopened = case_act_public(
        case=case,
        action="reopen",
        channel=PublicChannel.OPEN311,
        note=comment.description,
        ip=ip,
        now=now,
    )
    seq = reopened.actions.order_by("-seq").values_list("seq", flat=True).first()
    return Open311UpdateOutcome.REOPENED, seq


def open311_update_post(*, client: Open311Client, args: Arguments, ip: str | None = None) -> Posted:
    """Store a citizen's comment posted by `client` (its key has been checked).

    Permission: only cases `client` itself posted (others → Open311Error 404, like unknown
    ones). Bad fields → 400, all listed together; nothing is saved then. Idempotent: the
    same client `update_id` again returns the stored comment (replayed=True) and changes
    nothing; on another case it is a 400. Side effects, in one transaction under the case's
    row lock: the `Open311Update` row; for OPEN/REOPEN on a closed case within the window
    those of `case_act_public` (reopen: history row, clock, `case.reopen` audit, SMS to the
    reporter on commit); the client's `last_used_at`; one `open311.update` audit record; an
    in-app `case.citizen_comment` message to the unit holding the case.
    """
    comment = _clean(args)
    case = _client_case(client, comment.number)
    earlier = _earlier(client, comment, case)
    if earlier is not None:
        return Posted(earlier, replayed=True)
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            earlier = _earlier(client, comment, locked)  # a resend that waited for the lock
            if earlier is not None:
                return Posted(earlier, replayed=True)
            outcome, seq = _status_effect(locked, comment, ip, now)
            update = Open311Update.objects.create(
                client=client,
                update_id=comment.update_id,
                case=locked,
                status=comment.status,
                description=comment.description,
                name=comment.name,
                email=comment.email,
                media_urls=comment.media_urls,
                client_datetime=comment.client_datetime,
                outcome=outcome,
                reopen_seq=seq,
                ip=ip,
                created_at=now,
            )
            Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
            _audit(client, update, ip)
            # The message records commit with the comment; their delivery is queued on commit.
            _alert_holder(update)
    except IntegrityError:
        # The same update_id stored meanwhile for another case (the case lock did not
        # serialise the two): answer as a resend would.
        earlier = _earlier(client, comment, case)
        if earlier is None:
            raise
        return Posted(earlier, replayed=True)
    return Posted(update, replayed=False)


def _alert_holder(update: Open311Update) -> None:
    """Tell the unit now holding the case (for a merged duplicate: the parent's holder, whose
    timeline shows the comment), so a comment does not wait for someone to open the case."""
    case = Case.objects.get(pk=update.case_id)
    link = CaseMerge.objects.select_related("parent").filter(child=case).first()
    holder_case = link.parent if link else case
    context = {
        "number": case.number,
        "title": case.title,
        "channel": update.client.name,
        "comment": update.description[:200],
    }
    tell_unit(
        UnitMembers(),
        holder_case.holder_code,
        topic="case.citizen_comment",
        key=f"case.citizen_comment:{update.pk}",
        context=context,
        case=holder_case,
    )


def _audit(client: Open311Client, update: Open311Update, ip: str | None) -> None:
    audit_log(
        actor=None,
        username=f"open311:{client.key_prefix}",
        action="open311.update",
        object_type="flow.case",
        object_id=update.case.number,
        region_code=update.case.region_code,
        ip=ip,
        detail={
            "client": client.pk,
            "client_name": client.name,
            "update_id": update.update_id,
            "status": update.status,
            "outcome": update.outcome,
            "reopen_seq": update.reopen_seq,
            "media": len(update.media_urls),
        },
    )


# --- the case timeline -------------------------------------------------------------------


ENTRY_FIELDS = (
    "client",
    "case",
    "update_id",
    "status",
    "description",
    "media_urls",
    "outcome",
    "created_at",
)


def comment_entries(case: Case) -> list[TimelineEntry]:
    """Timeline records of the comments on `case` and on duplicates merged into it."""
    rows = (
        Open311Update.objects.filter(Q(case=case) | Q(case__merged_into__parent=case))
        .select_related("client", "case")
        # Of the client and the case only the name and the number are shown.
        .only(*ENTRY_FIELDS, "client__name", "case__number")
        .order_by("created_at", "id")
    )
    return [_entry(row, case) for row in rows]


def _entry(row: Open311Update, case: Case) -> TimelineEntry:
    summary = _("经%(client)s提交") % {"client": row.client.name}
    if row.case_id != case.pk:
        summary += _("（重复诉求 %(number)s 的提交人）") % {"number": row.case.number}
    if row.outcome != Open311UpdateOutcome.NOTED:
        summary += _("，申请重新办理：%(outcome)s") % {"outcome": row.get_outcome_display()}
    elif row.status in ("CLOSED", "FIXED"):
        summary += _("，表示问题已解决")
    if row.media_urls:
        summary += _("，附 %(n)d 个图片链接") % {"n": len(row.media_urls)}
    return TimelineEntry(
        kind="record",
        action="open311_comment",
        label=_("群众留言"),
        summary=summary,
        actor=_("群众"),
        note=row.description,
        payload={
            "case": row.case.number,
            "client": row.client.name,
            "update_id": row.update_id,
            "status": row.status,
            "outcome": row.outcome,
            "media_urls": row.media_urls,
        },
        created_at=row.created_at,
    )

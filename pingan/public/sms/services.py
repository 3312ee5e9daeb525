"""Writes of the SMS channel: one inbound message from the short-code gateway, processed once.

No actor: the gateway proved itself with the webhook signature (`pingan.public.webhooks`)
and the sender is the phone number the carrier reports. What a phone may do:
- report a problem (a text becomes an event through `public_report_submit`, answered by its
  "received" SMS with the case number and query code);
- ask the status of its own cases (`CX <number>`), or of any case with its query code;
- rate its own closed case (`PJ <number> <1|2|3>`);
- stop or restart progress messages (`TD` / `DY`).
A number that is unknown and a case the sender may not see get the same reply.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from pingan.audit.services import audit_log
from pingan.core.phones import phone_hash
from pingan.events.selectors import active_category
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.flow.models import Case
from pingan.flow.services import case_act_public
from pingan.notify.models import Channel
from pingan.notify.services import notify_send, sms_opt_in, sms_opt_out
from pingan.public.lookup import case_status, report_by_number, report_matches
from pingan.public.models import PublicChannel
from pingan.public.services import public_report_submit
from pingan.public.sms import parse, replies
from pingan.public.sms.models import SmsInbound, SmsOutcome
from pingan.public.sms.payload import InboundSms
from pingan.public.webhooks import count_hit
from pingan.regions.models import Region, RegionLevel

log = logging.getLogger("pingan.public.sms")
USERNAME = "public:sms"


def sms_county() -> str:
    """The county whose event loop takes SMS reports: PINGAN_SMS_COUNTY, else the only
    county of the installation; ImproperlyConfigured when neither decides."""
    code = settings.PINGAN_SMS_COUNTY.strip()
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    if code:
        if not counties.filter(code=code).exists():
            raise ImproperlyConfigured(f"PINGAN_SMS_COUNTY={code!r} is not a county region")
        return code
    found = list(counties.values_list("code", flat=True)[:2])
    if len(found) != 1:
        raise ImproperlyConfigured(
            "PINGAN_SMS_COUNTY must name the county that takes SMS reports "
            f"(this installation has {'no' if not found else 'several'} counties)"
        )
    return found[0]


def sms_category() -> str:
    """PINGAN_SMS_DEFAULT_CATEGORY, checked: an active category (ImproperlyConfigured)."""
    code = settings.PINGAN_SMS_DEFAULT_CATEGORY.strip()
    if active_category(code) is None:
        raise ImproperlyConfigured(
            f"PINGAN_SMS_DEFAULT_CATEGORY={code!r} is not an active event category"
        )
    return code


class _Reply:
    """The one reply to one inbound message (idempotency key from the gateway's id)."""

    def __init__(self, message: InboundSms):
        self.message = message
        self.key = ""

    def send(self, text: str, case: Case | None = None) -> None:
        self.key = f"public.reply:sms:{self.message.id}"
        notify_send(
            topic="public.reply",
            key=self.key,
            channel=Channel.SMS,
            phone=self.message.phone,
            context={"text": text},
            case_number=case.number if case else "",
            region_code=case.region_code if case else "",
        )


def _query(message: InboundSms, command: parse.Command, reply: _Reply) -> tuple[str, Case | None]:
    report = report_by_number(command.number)
    if not report_matches(report, code=command.code, phone=message.phone):
        reply.send(replies.not_found_text(command.number))
        return SmsOutcome.NOT_FOUND, None
    case = report.case
    reply.send(replies.status_text(case_status(case)), case)
    return SmsOutcome.ANSWERED, case


def _rate(message: InboundSms, command: parse.Command, reply: _Reply) -> tuple[str, Case | None]:
    report = report_by_number(command.number)
    # Only the phone the case was reported from may rate it (a query code is not enough).
    if not report_matches(report, phone=message.phone):
        reply.send(replies.not_found_text(command.number))
        return SmsOutcome.NOT_FOUND, None
    case = report.case
    if not case_status(case).can_rate:
        reply.send(replies.not_rated_text(case.number), case)
        return SmsOutcome.NOT_RATED, case
    try:
        with transaction.atomic():
            rated = case_act_public(
                case=case,
                action="callback",
                channel=PublicChannel.SMS,
                satisfaction=command.rating,
            )
    except ActionNotAllowed:  # also CaseConflict: rated a moment ago
        reply.send(replies.not_rated_text(case.number), case)
        return SmsOutcome.NOT_RATED, case
    reopened = rated.closed_at is None
    reply.send(replies.rated_text(case.number, command.rating, reopened=reopened), rated)
    return SmsOutcome.RATED, rated


def _report(
    message: InboundSms, command: parse.Command, reply: _Reply, now: dt.datetime
) -> tuple[str, Case | None]:
    if not count_hit(
        "sms_report", message.phone, settings.PINGAN_SMS_LIMIT_REPORTS, now=now
    ).allowed:
        reply.send(replies.limited_text())
        return SmsOutcome.LIMITED, None
    county, category = sms_county(), sms_category()
    data = {"category": category, "description": command.text}
    if message.lng is not None and message.lat is not None:
        data.update(lng=message.lng, lat=message.lat)
    try:
        try:
            with transaction.atomic():
                case, _report_row, _code = public_report_submit(
                    channel=PublicChannel.SMS, county=county, data=data, phone=message.phone
                )
        except ActionInvalid as exc:
            if "lng" not in exc.errors or "lng" not in data:
                raise
            # The carrier's cell location lies outside this county (a cell near the border):
            # take the report without a point, at the county centre, flagged outside_grid.
            data = {"category": category, "description": command.text}
            with transaction.atomic():
                case, _report_row, _code = public_report_submit(
                    channel=PublicChannel.SMS, county=county, data=data, phone=message.phone
                )
    except ActionInvalid as exc:
        reply.send(replies.invalid_text(exc.errors))
        return SmsOutcome.INVALID, None
    # The reply is the "received" SMS with the number and query code (public_report_submit).
    reply.key = f"public.received:{case.number}"
    return SmsOutcome.CASE, case


def _dispatch(
    message: InboundSms, command: parse.Command, reply: _Reply, now: dt.datetime
) -> tuple[str, Case | None]:
    if command.kind == parse.QUERY:
        return _query(message, command, reply)
    if command.kind == parse.RATE:
        return _rate(message, command, reply)
    if command.kind == parse.UNSUBSCRIBE:
        sms_opt_out(message.phone, now=now)
        # public.reply is transactional: the confirmation reaches the opted-out phone.
        reply.send(replies.unsubscribed_text())
        return SmsOutcome.UNSUBSCRIBED, None
    if command.kind == parse.SUBSCRIBE:
        sms_opt_in(message.phone)
        reply.send(replies.subscribed_text())
        return SmsOutcome.SUBSCRIBED, None
    if command.kind == parse.REPORT:
        return _report(message, command, reply, now)
    reply.send(replies.help_text())
    return SmsOutcome.HELPED, None


def sms_inbound_receive(
    *, message: InboundSms, ip: str | None = None, now: dt.datetime | None = None
) -> tuple[SmsInbound, bool]:
    """Process one inbound SMS once; returns (row, created).

    Permission: the caller checked the gateway's signature. A message id seen before returns
    its first row with created=False and does nothing else (the gateway redelivers until it
    gets a 2xx). Over PINGAN_SMS_LIMIT_MESSAGES from one phone the message is recorded and
    not answered (no reply loops with auto-responders). Side effects in one transaction: the
    inbound row; by command, a case (see `public_report_submit`), a rating
    (`case_act_public`), an opt-out/opt-in; one reply SMS recorded through `notify_send`
    (sent on commit); one audit record `public.sms_inbound`. A misconfigured county or
    category raises ImproperlyConfigured and saves nothing, so the gateway retries later.
    """
    now = now or timezone.now()
    existing = SmsInbound.objects.filter(gateway_id=message.id).first()
    if existing is not None:
        return existing, False
    command = parse.parse(message.text, min_chars=settings.PINGAN_SMS_MIN_REPORT_CHARS)
    try:
        with transaction.atomic():
            row = SmsInbound.objects.create(
                gateway_id=message.id,
                phone=message.phone,
                phone_hash=phone_hash(message.phone),
                to=message.to,
                text=message.text,
                command=command.kind,
                outcome=SmsOutcome.HELPED,
                received_at=message.received_at,
                created_at=now,
                ip=ip or None,
            )
            reply = _Reply(message)
            flood = count_hit(
                "sms_message", message.phone, settings.PINGAN_SMS_LIMIT_MESSAGES, now=now
            )
            if flood.allowed:
                outcome, case = _dispatch(message, command, reply, now)
            else:
                outcome, case = SmsOutcome.SILENCED, None
            row.outcome, row.case, row.reply_key = outcome, case, reply.key
            row.save(update_fields=["outcome", "case", "reply_key"])
            audit_log(
                actor=None,
                username=USERNAME,
                action="public.sms_inbound",
                object_type="public.smsinbound",
                object_id=message.id,
                region_code=case.region_code if case else "",
                ip=ip,
                detail={
                    "command": command.kind,
                    "outcome": outcome,
                    "case": case.number if case else "",
                },
            )
    except IntegrityError:
        # The same message id arrived twice at once; the other delivery processed it.
        existing = SmsInbound.objects.filter(gateway_id=message.id).first()
        if existing is None:
            raise
        return existing, False
    return row, True

"""Telling the reporter of a duplicate that it was merged into another case (`CaseMerge`).

The duplicate's staff reporter (`child_reporter`) gets `case.merged` in-app (unless they made
the merge themselves); a citizen who reported it through a public channel and left a mobile
number gets the `public.merged` SMS (unless they asked for no updates or texted TD). Then
`reporter_notified_at` is set, in the same transaction as the message records. The citizen
keeps following the duplicate's number: the portal shows the parent's progress for it.

The public report is reached through the case's reverse relation (`case.public_report`), so
this app does not import the public app.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from pingan.events.models import CaseMerge
from pingan.flow.models import Case
from pingan.notify.models import Channel, Notification
from pingan.notify.services import notify_send, notify_user
from pingan.notify.wiring.common import case_link


def _public_report(case: Case):
    try:
        return case.public_report
    except ObjectDoesNotExist:
        return None


def notify_merge(child: Case) -> list[Notification]:
    """Tell the reporter(s) of the merged duplicate `child`; idempotent (keys per child
    number, and a link already marked notified is left alone). Returns the messages."""
    link = (
        CaseMerge.objects.select_related("parent", "child_reporter")
        .filter(child=child, reporter_notified_at__isnull=True)
        .first()
    )
    if link is None:
        return []
    parent = link.parent
    context = {"number": child.number, "title": child.title, "parent": parent.number}
    sent: list[Notification] = []
    with transaction.atomic():
        reporter = link.child_reporter
        if reporter is not None and reporter.pk != link.merged_by_id:
            sent += notify_user(
                user=reporter,
                topic="case.merged",
                key=f"case.merged:{child.number}",
                context=context,
                link=case_link(parent.number),
                case_number=child.number,
                region_code=child.region_code,
            )
        report = _public_report(child)
        if report is not None and report.phone and report.wants_updates:
            url = settings.PINGAN_PUBLIC_URL.rstrip("/") + "/portal/track/"
            sent.append(
                notify_send(
                    topic="public.merged",
                    key=f"public.merged:{child.number}",
                    channel=Channel.SMS,
                    phone=report.phone,
                    context={**context, "url": url},
                    case_number=child.number,
                    region_code=child.region_code,
                )
            )
        if sent:
            CaseMerge.objects.filter(pk=link.pk).update(reporter_notified_at=timezone.now())
    return sent

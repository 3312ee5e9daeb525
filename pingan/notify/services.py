"""Writes of the notify app: recording messages (and queueing their delivery), opt-outs,
preferences and read marks.

Callers record a message inside their own transaction; delivery is queued on commit, so a
rolled-back action never sends anything, and a committed one always has its message row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.models import Position, User
from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.core.phones import is_mobile, phone_hash
from pingan.notify.models import Channel, Notification, NotificationPreference, SmsOptOut, Status
from pingan.notify.topics import get_topic, render

KEY_MAX = 160
# Channels a staff member may switch per topic (in-app is always on).
PREFERENCE_CHANNELS = (Channel.SMS, Channel.EMAIL)


def _site_context(context: dict) -> dict:
    return {"site": settings.PINGAN_SMS_SIGNATURE, **context}


def _skip_reason(topic, channel: str, user: User | None, phone: str, email: str) -> str:
    if channel == Channel.SMS:
        if not is_mobile(phone):
            return "no mobile number"
        if (
            not topic.transactional
            and SmsOptOut.objects.filter(phone_hash=phone_hash(phone)).exists()
        ):
            return "opted out"
    if channel == Channel.VOICE and not phone:
        return "no phone number"
    if channel == Channel.EMAIL and not email:
        return "no email address"
    if channel == Channel.INAPP and user is None:
        return "in-app needs a user"
    return ""


def notify_send(
    *,
    topic: str,
    key: str,
    channel: str,
    context: dict,
    user: User | None = None,
    phone: str = "",
    email: str = "",
    link: str = "",
    case_number: str = "",
    region_code: str = "",
    now: dt.datetime | None = None,
    skip: str = "",
) -> Notification:
    """Record one message and queue its delivery; returns the row.

    Idempotent on `key`: a second call with the same key returns the first row and queues
    nothing. A message that cannot or must not go out (SMS to an opted-out number, no mobile
    number) is still recorded, with status `skipped` and the reason. In-app messages are
    delivered by being recorded. `skip` records the message as not sent for a reason the
    caller knows (e.g. a one-time code asked for a phone without cases). No permission check:
    callers decide who is told what.
    """
    spec = get_topic(topic)
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    key = key[:KEY_MAX]
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    context = _site_context(context)
    row = Notification(
        key=key,
        channel=channel,
        topic=topic,
        user=user,
        phone=phone,
        phone_hash=phone_hash(phone) if phone else "",
        email=email,
        subject=render(spec.subject, context)[:200],
        body=render(spec.body, context),
        link=link[:300],
        case_number=case_number,
        region_code=region_code,
        created_at=now,
        next_attempt_at=now,
    )
    reason = skip or _skip_reason(spec, channel, user, phone, email)
    if reason:
        row.status, row.last_error, row.next_attempt_at = Status.SKIPPED, reason, None
    elif channel == Channel.INAPP:
        row.status, row.sent_at, row.next_attempt_at, row.backend = Status.SENT, now, None, "inapp"
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # The same key was recorded by a concurrent caller a moment ago.
        return Notification.objects.get(key=key)
    if row.status == Status.PENDING:
        transaction.on_commit(lambda: _enqueue(row.pk))
    return row


def _enqueue(notification_id: int) -> None:
    from pingan.notify.tasks import deliver_notification

    deliver_notification(notification_id)


def user_channels(user: User, topic: str) -> list[str]:
    """Channels `user` receives `topic` on: their saved choices, else the topic's defaults."""
    spec = get_topic(topic)
    chosen = dict(
        NotificationPreference.objects.filter(user=user, topic=topic).values_list(
            "channel", "enabled"
        )
    )
    channels = [c for c in Channel.values if chosen.get(c, c in spec.default_channels)]
    # The notification centre is the record staff rely on: in-app cannot be switched off.
    if Channel.INAPP not in channels:
        channels.insert(0, Channel.INAPP)
    return channels


def notify_user(
    *,
    user: User,
    topic: str,
    key: str,
    context: dict,
    link: str = "",
    case_number: str = "",
    region_code: str = "",
) -> list[Notification]:
    """Tell one staff member on each channel they receive `topic` on (`key` + channel + user
    make each message's idempotency key). An inactive account is told nothing."""
    if not user.is_active:
        return []
    return [
        notify_send(
            topic=topic,
            key=f"{key}:{channel}:u{user.pk}",
            channel=channel,
            context=context,
            user=user,
            phone=user.phone if channel == Channel.SMS else "",
            email=user.email if channel == Channel.EMAIL else "",
            link=link,
            case_number=case_number,
            region_code=region_code,
        )
        for channel in user_channels(user, topic)
    ]


def unit_users(unit_code: str, roles: Iterable[str] | None = None) -> list[User]:
    """Active users with an active position in the unit (region or department code)."""
    positions = Position.objects.filter(active=True, user__is_active=True)
    if unit_code.isdigit():
        positions = positions.filter(region_id=unit_code)
    else:
        positions = positions.filter(department_id=unit_code)
    if roles is not None:
        positions = positions.filter(role__in=list(roles))
    ids = positions.values_list("user_id", flat=True).distinct()
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def notify_unit(
    *,
    unit_code: str,
    topic: str,
    key: str,
    context: dict,
    roles: Iterable[str] | None = None,
    link: str = "",
    case_number: str = "",
    region_code: str = "",
) -> list[Notification]:
    """Tell every active member of a unit (optionally only some roles)."""
    sent: list[Notification] = []
    for user in unit_users(unit_code, roles):
        sent += notify_user(
            user=user,
            topic=topic,
            key=key,
            context=context,
            link=link,
            case_number=case_number,
            region_code=region_code or unit_code,
        )
    return sent


def sms_opt_out(phone: str, *, now: dt.datetime | None = None) -> bool:
    """Record an unsubscribe; True when it is new."""
    _, created = SmsOptOut.objects.get_or_create(
        phone_hash=phone_hash(phone), defaults={"created_at": now or timezone.now()}
    )
    return created


def sms_opt_in(phone: str) -> bool:
    """Undo an unsubscribe (the citizen texted the subscribe command); True when removed."""
    deleted, _ = SmsOptOut.objects.filter(phone_hash=phone_hash(phone)).delete()
    return bool(deleted)


def notification_mark_read(*, actor: Actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own unread in-app messages read (all of them when `ids` is None);
    returns how many changed.

    Permission: any signed-in user, on their own messages only; ids of other people's
    messages (or of other channels) are ignored, not an error, so the answer does not reveal
    whether they exist. Side effects: `read_at` set; one audit record when anything changed.
    """
    rows = Notification.objects.filter(user=actor.user, channel=Channel.INAPP, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    with transaction.atomic():
        marked = rows.update(read_at=timezone.now())
        if marked:
            audit_log(
                actor=actor,
                action="notify.read",
                object_type="notify.notification",
                detail={"count": marked, "all": ids is None},
            )
    return marked


def _check_reachable(user: User, channel: str) -> str:
    """Why `user` cannot receive `channel` ("" when they can)."""
    if channel == Channel.SMS and not is_mobile(user.phone):
        return _("账户未登记手机号码，不能开启短信提醒。请联系系统管理员登记。")
    if channel == Channel.EMAIL and not user.email:
        return _("账户未登记电子邮箱，不能开启邮件提醒。请联系系统管理员登记。")
    return ""


def preference_field(topic: str, channel: str) -> str:
    """Form/error key of one switch: `<topic>:<channel>`."""
    return f"{topic}:{channel}"


def preferences_save(*, actor: Actor, choices: dict[tuple[str, str], bool]) -> list[str]:
    """Save the actor's own channel choices: {(topic, channel): enabled}.

    Only staff topics on SMS and email can be switched (in-app is always on); anything else
    raises ValueError. Switching SMS on needs a mobile number on the account, email an
    address: otherwise `ValidationError` keyed by `<topic>:<channel>` and nothing is saved.
    Any signed-in user may change their own choices (a leader too: it is not case data).
    Side effects: one preference row per choice that differs from what applied before, one
    audit record listing the changes. Returns the changed keys.
    """
    for topic, channel in choices:
        spec = get_topic(topic)
        if not spec.staff or channel not in PREFERENCE_CHANNELS:
            raise ValueError(f"not a changeable preference: {topic} {channel}")
    user = actor.user
    errors = {
        preference_field(topic, channel): [problem]
        for (topic, channel), enabled in choices.items()
        if enabled and (problem := _check_reachable(user, channel))
    }
    if errors:
        raise ValidationError(errors)
    saved = {
        (row.topic, row.channel): row for row in NotificationPreference.objects.filter(user=user)
    }
    changed: list[str] = []
    with transaction.atomic():
        for (topic, channel), enabled in sorted(choices.items()):
            row = saved.get((topic, channel))
            current = row.enabled if row else channel in get_topic(topic).default_channels
            if current == enabled:
                continue
            NotificationPreference.objects.update_or_create(
                user=user, topic=topic, channel=channel, defaults={"enabled": enabled}
            )
            changed.append(f"{preference_field(topic, channel)}={'on' if enabled else 'off'}")
        if changed:
            audit_log(
                actor=actor,
                action="notify.preferences",
                object_type="accounts.user",
                object_id=str(user.pk),
                detail={"changed": changed},
            )
    return changed


def preference_set(*, actor: Actor, topic: str, channel: str, enabled: bool) -> list[str]:
    """One switch: `preferences_save` with a single choice (same rules and side effects)."""
    return preferences_save(actor=actor, choices={(topic, channel): enabled})


def notification_requeue(*, actor: Actor, ids: Iterable[int]) -> int:
    """Send failed messages again (the admin's "重新发送" after fixing a gateway).

    Permission: the caller (the admin screen) has checked the system-admin role. Only
    `failed` rows change: back to pending with a fresh attempt count, delivery queued on
    commit under the same idempotency key. One audit record. Returns how many.
    """
    now = timezone.now()
    with transaction.atomic():
        pks = list(
            Notification.objects.filter(pk__in=list(ids), status=Status.FAILED).values_list(
                "pk", flat=True
            )
        )
        if not pks:
            return 0
        Notification.objects.filter(pk__in=pks).update(
            status=Status.PENDING, attempts=0, next_attempt_at=now, lease_until=None
        )
        audit_log(
            actor=actor,
            action="notify.requeue",
            object_type="notify.notification",
            detail={"ids": pks},
        )
        for pk in pks:
            transaction.on_commit(lambda pk=pk: _enqueue(pk))
    return len(pks)

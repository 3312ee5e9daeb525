"""Reads of the notify app: a user's own in-app messages and channel choices.

Everything here is per user, never per scope: a message belongs to the one user it was
addressed to, and nobody else reads it (not even an administrator through these pages).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.urls import reverse

from pingan.accounts.models import User
from pingan.core.masking import mask_phone
from pingan.core.phones import is_mobile
from pingan.notify.models import Channel, Notification, NotificationPreference
from pingan.notify.services import PREFERENCE_CHANNELS, preference_field
from pingan.notify.topics import TOPICS, Topic, staff_topics

UNREAD_BADGE_MAX = 99


def inbox(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app messages: unread first, then newest first."""
    rows = Notification.objects.filter(user=user, channel=Channel.INAPP)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.annotate(
        unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    ).order_by("-unread", "-created_at", "-id")


def unread_count(user: User) -> int:
    """How many in-app messages the user has not read (one indexed COUNT)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(
        user=user, channel=Channel.INAPP, read_at__isnull=True
    ).count()


def request_unread_count(request) -> int:
    """`unread_count` for the request's user, computed at most once per request."""
    cached = getattr(request, "_notify_unread", None)
    if cached is None:
        cached = unread_count(request.user)
        request._notify_unread = cached
    return cached


def message_link(note: Notification) -> str:
    """Where a message leads: its own link, else the case page of its case, else ""."""
    if note.link:
        return note.link
    if note.case_number:
        return reverse("command:case", args=[note.case_number])
    return ""


def topic_label(code: str) -> str:
    topic = TOPICS.get(code)
    return str(topic.label) if topic else code


@dataclass(frozen=True)
class ChannelChoice:
    channel: str
    label: str
    field: str
    enabled: bool
    reachable: bool


@dataclass(frozen=True)
class PreferenceRow:
    topic: Topic
    choices: list[ChannelChoice]


@dataclass(frozen=True)
class PreferenceSheet:
    rows: list[PreferenceRow]
    phone_masked: str
    has_mobile: bool
    email_masked: str


def _mask_email(email: str) -> str:
    name, _, domain = (email or "").partition("@")
    if not domain:
        return ""
    return f"{name[:1]}***@{domain}"


def preference_sheet(user: User) -> PreferenceSheet:
    """Every staff topic with the user's current choice per switchable channel (saved choice,
    else the topic's default), and whether the account can be reached on each channel."""
    saved = {
        (row.topic, row.channel): row.enabled
        for row in NotificationPreference.objects.filter(user=user)
    }
    has_mobile = is_mobile(user.phone)
    reach = {Channel.SMS: has_mobile, Channel.EMAIL: bool(user.email)}
    rows = []
    for topic in staff_topics():
        choices = [
            ChannelChoice(
                channel=channel,
                label=str(Channel(channel).label),
                field=preference_field(topic.code, channel),
                enabled=saved.get((topic.code, channel), channel in topic.default_channels),
                reachable=reach[channel],
            )
            for channel in PREFERENCE_CHANNELS
        ]
        rows.append(PreferenceRow(topic=topic, choices=choices))
    return PreferenceSheet(
        rows=rows,
        phone_masked=mask_phone(user.phone) if user.phone else "",
        has_mobile=has_mobile,
        email_masked=_mask_email(user.email),
    )


def badge_label(count: int) -> str:
    """What the header badge shows: "" for none, the count, or "99+"."""
    if count <= 0:
        return ""
    return f"{UNREAD_BADGE_MAX}+" if count > UNREAD_BADGE_MAX else str(count)


def request_badge(request) -> str:
    """The header badge of the request's user (one COUNT per request, only when shown)."""
    if not request.user.is_authenticated:
        return ""
    return badge_label(request_unread_count(request))

"""Services = the active event categories that have no active sub-category.

`group` is the parent category's name (a top-level category without children is its own
group). Categories are private unless a code prefix in `PINGAN_OPEN311_PUBLIC_CATEGORIES`
matches them: requests in a private category are listed without description, address,
coordinates and media (see `selectors`), and the service carries the keyword `private`
(the flag FixMyStreet reads from service keywords). The discovery `changeset` is the later
of the last category change (audit log) and the last change of the attribute definitions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils.translation import gettext as _

from pingan.audit.models import AuditRecord
from pingan.events.selectors import active_categories

# When `attributes.py` last changed what a service definition says (bump with it).
DEFINITIONS_CHANGED = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
CATEGORY_ACTIONS = ("events.category_create", "events.category_change")
PRIVATE_KEYWORD = "private"


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    private: bool

    @property
    def description(self) -> str:
        text = f"{self.group} / {self.name}" if self.group != self.name else self.name
        if self.private:
            text += _("（此类诉求的描述和位置不公开）")
        return text

    @property
    def keywords(self) -> str:
        words = [self.group, self.name] if self.group != self.name else [self.name]
        if self.private:
            words.append(PRIVATE_KEYWORD)
        return ",".join(words)


def is_public_category(code: str) -> bool:
    return any(code.startswith(prefix) for prefix in settings.PINGAN_OPEN311_PUBLIC_CATEGORIES)


def service_list() -> list[Service]:
    """Every service, in the category table's order."""
    categories = list(active_categories().select_related("parent"))
    groups = {c.parent_id for c in categories if c.parent_id}
    return [
        Service(
            code=c.code,
            name=c.name,
            group=c.parent.name if c.parent_id else c.name,
            private=not is_public_category(c.code),
        )
        for c in categories
        if c.code not in groups
    ]


def find_service(code: str) -> Service | None:
    return next((s for s in service_list() if s.code == code), None)


def changeset() -> dt.datetime:
    latest = AuditRecord.objects.filter(action__in=CATEGORY_ACTIONS).aggregate(
        latest=Max("created_at")
    )["latest"]
    return max(latest, DEFINITIONS_CHANGED) if latest else DEFINITIONS_CHANGED

"""Query-string filters of the registry list pages (people, houses, units, overdue visits).

Filters arrive as GET parameters, so a filtered list is a link and the export sees what the
table shows. A bad value gets a Chinese message and is ignored, never a 500. A region
outside the actor's scope is reported exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.registry.kinds import SPECS
from pingan.registry.page_selectors import region_in_scope

MAX_TEXT = 100


@dataclass
class ListFilters:
    q: str = ""
    region: str = ""
    kind: str = ""
    risk: int | None = None
    responsible: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **override: object) -> str:
        """The filters as a query string (paging links, the export form)."""
        data = QueryDict(mutable=True)
        values = {
            "q": self.q,
            "region": self.region,
            "kind": self.kind,
            "risk": self.risk,
            "responsible": self.responsible,
            **override,
        }
        for key, value in values.items():
            if value not in (None, ""):
                data[key] = str(value)
        return data.urlencode()


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 9 else None


def parse_filters(
    actor: Actor, params: QueryDict, *, kinds: list[str] | None = None
) -> ListFilters:
    """Read q, region, kind, risk and responsible. `kinds` are the card kinds the page
    offers (default: every kind)."""
    filters = ListFilters()
    filters.q = " ".join(params.get("q", "").split())[:MAX_TEXT]
    region = params.get("region", "").strip()[:18]
    if region:
        if region_in_scope(actor, region) is None:
            filters.errors["region"] = _("区划编码“%(code)s”不存在或不在您的管辖范围内。") % {
                "code": region
            }
        else:
            filters.region = region
    kind = params.get("kind", "").strip()[:32]
    if kind:
        if kind not in (kinds if kinds is not None else SPECS):
            filters.errors["kind"] = _("请选择列表中的人员类型。")
        else:
            filters.kind = kind
    risk = params.get("risk", "").strip()
    if risk:
        level = _int(risk)
        if level is None:
            filters.errors["risk"] = _("等级应为数字。")
        else:
            filters.risk = level
    responsible = params.get("responsible", "").strip()
    if responsible:
        filters.responsible = _int(responsible)
        if filters.responsible is None:
            filters.errors["responsible"] = _("责任人编号无效。")
    return filters

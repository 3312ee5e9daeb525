"""Public wording of case steps: what a citizen (and a reporter on staff) is told happened.

Shared by the public timeline (`pingan.public.selectors`) and the notify app's messages, so
both say the same thing. The wording names units, never people, and never repeats the
internal note of a step.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pingan.flow.models import CaseAction, Satisfaction

# Action → public wording; `{unit}` is the unit that acted, `{to}` the unit it went to.
PUBLIC_STEPS = {
    "report": gettext_noop("已登记，转{to}受理"),
    "accept": gettext_noop("{unit}已受理"),
    "handle_locally": gettext_noop("{unit}已现场处置"),
    "escalate": gettext_noop("已上报{to}"),
    "assign": gettext_noop("已交由{to}办理"),
    "dispatch": gettext_noop("已派遣{to}办理"),
    "transfer": gettext_noop("已转交{to}办理"),
    "return": gettext_noop("已退回重新分派"),
    "approve_extension": gettext_noop("办理期限已延长"),
    "suspend": gettext_noop("暂缓办理"),
    "resume": gettext_noop("恢复办理"),
    "feedback": gettext_noop("{unit}已办理完毕，等待现场核查"),
    "verify_pass": gettext_noop("现场核查通过"),
    "verify_fail": gettext_noop("现场核查未通过，重新办理"),
    "close": gettext_noop("已办结"),
    "callback": gettext_noop("已回访"),
    "reopen": gettext_noop("重新办理"),
}


def step_text(row: CaseAction, names: dict[str, str]) -> str:
    """The public sentence for one history row of an action in PUBLIC_STEPS; `names` maps
    the unit codes of the row (`unit_code`, `to_holder`) to unit names."""
    template = PUBLIC_STEPS[row.action]
    text = _(template).format(
        unit=names.get(row.unit_code, "") or _("承办单位"),
        to=names.get(row.to_holder, "") or _("承办单位"),
    )
    satisfaction = (row.payload or {}).get("satisfaction")
    if row.action == "callback" and satisfaction in Satisfaction.values:
        text += _("（%(label)s）") % {"label": Satisfaction(satisfaction).label}
    return text

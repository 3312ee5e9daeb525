"""The 纠纷信息 card of a dispute's case page: the dispute (parties masked), its mediation
attempts and agreement, the 司法确认 window warning, and which record forms to show.

The card never decides what is allowed: a form is shown exactly when `step_allowed` (the
rule the services enforce) says yes, and the agreement form also needs `agreement_blocker`
to have no objection. Phone and ID numbers come masked from `dispute_detail_data`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.events.dispute_casetype import CASE_TYPE, step_allowed
from pingan.events.disputes import REMINDER_DAYS_BEFORE, agreement_blocker, dispute_detail_data
from pingan.events.models_extra import MediationMethod, MediationResult
from pingan.flow.models import Case


def confirmation_warning(agreement: dict | None, today: dt.date) -> dict | None:
    """A warning while an unconfirmed agreement's 司法确认 window is about to end (within the
    reminder's 7 days) or has ended; None otherwise. ``kind`` is "warning" or "error"."""
    if not agreement or agreement["confirmed"]:
        return None
    deadline = dt.date.fromisoformat(agreement["judicial_confirmation_deadline"])
    days = (deadline - today).days
    values = {"date": deadline.isoformat(), "days": abs(days)}
    if days < 0:
        text = _("司法确认申请期限已于 %(date)s 届满（已过 %(days)d 天），尚未登记司法确认。")
        return {"kind": "error", "text": text % values}
    if days == 0:
        return {
            "kind": "warning",
            "text": _("今天（%(date)s）是司法确认申请截止日，尚未登记司法确认。") % values,
        }
    if days <= REMINDER_DAYS_BEFORE:
        text = _("距司法确认申请截止还有 %(days)d 天（%(date)s），尚未登记司法确认。")
        return {"kind": "warning", "text": text % values}
    return None


def dispute_context(actor: Actor, case: Case) -> dict:
    """``{"dispute": …}`` for the case page of a dispute; ``{}`` for any other case."""
    if case.case_type != CASE_TYPE:
        return {}
    data = dispute_detail_data(case)
    if not data:
        return {}
    today = timezone.localdate()
    agreement = data["agreement"]
    may_agree = agreement is None and step_allowed(actor, case, "agreement")
    blocker = agreement_blocker(case) if may_agree else ""
    data.update(
        today=today.isoformat(),
        warning=confirmation_warning(agreement, today),
        can_mediate=step_allowed(actor, case, "mediation"),
        can_agree=may_agree and not blocker,
        agreement_hint=blocker,
        can_confirm=bool(agreement)
        and not agreement["confirmed"]
        and step_allowed(actor, case, "agreement_confirm"),
        method_choices=MediationMethod.choices,
        result_choices=MediationResult.choices,
    )
    return {"dispute": data}

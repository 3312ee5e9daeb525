"""Disputes (矛盾纠纷): registering one, mediation attempts, the agreement and its reminder.

The loop itself (accept, escalate, dispatch, feedback, close…) is `flow.services.case_act`.
Mediation attempts and the agreement are steps inside 办理: they append their own history
row to the case (and bump its version, so a stale screen gets a conflict) without moving
the state. The 司法确认 window is 30 natural days from the agreement (人民调解法 art. 33);
`scan_agreement_reminders` records one reminder 7 days before it ends.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.core.crypto import blind_index
from pingan.core.idnumber import normalize_id_number
from pingan.core.masking import mask_id_number, mask_phone
from pingan.events.dispute_casetype import CASE_TYPE, step_allowed
from pingan.events.geo import grid_for_point
from pingan.events.models_extra import (
    AgreementReminder,
    DisputeCategory,
    DisputeDetail,
    DisputeParty,
    DisputeScale,
    MediationAgreement,
    MediationAttempt,
    MediationMethod,
    MediationResult,
    PartyRole,
)
from pingan.events.services import (
    REPORTER_ROLES,
    EventReportDenied,
    _number,
    _receiving_unit,
)
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.flow.models import Case, CaseAction, Urgency
from pingan.flow.services import available_actions, case_open
from pingan.flow.units import actor_unit, region_level

CONFIRMATION_DAYS = 30
REMINDER_DAYS_BEFORE = 7
MAX_PARTIES = 50
URGENCY_BY_SCALE = {
    DisputeScale.ORDINARY: Urgency.LOW,
    DisputeScale.LARGE: Urgency.MEDIUM,
    DisputeScale.MAJOR: Urgency.HIGH,
}
PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{5,20}$")


def _date(
    value: Any, field: str, errors: dict, *, required: bool, today: dt.date | None = None
) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors[field] = [_("请填写日期。")]
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            errors[field] = [_("日期格式应为 YYYY-MM-DD。")]
            return None
    if value > (today or timezone.localdate()):
        errors[field] = [_("日期不能晚于今天。")]
        return None
    return value


def _count(value: Any, field: str, errors: dict, *, low: int, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            errors[field] = [_("请填写人数。")]
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = [_("应为整数。")]
        return None
    if number < low or number > 1_000_000:
        errors[field] = [_("应为 %(low)d 到 1000000 之间的整数。") % {"low": low}]
        return None
    return number


def _text(data: dict, field: str, errors: dict, *, limit: int, required_msg: str = "") -> str:
    value = (data.get(field) or "").strip()
    if required_msg and not value:
        errors[field] = [required_msg]
    elif len(value) > limit:
        errors[field] = [_("不能超过 %(limit)d 字。") % {"limit": limit}]
    return value


def _clean_parties(raw: Any, errors: dict) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        errors["parties"] = [_("请至少填写一位当事人。")]
        return []
    if len(raw) > MAX_PARTIES:
        errors["parties"] = [_("当事人不能超过 %(max)d 位。") % {"max": MAX_PARTIES}]
        return []
    problems: list[str] = []
    parties: list[dict] = []
    for index, item in enumerate(raw, start=1):
        item = item if isinstance(item, dict) else {}
        prefix = _("第 %(n)d 位当事人：") % {"n": index}
        name = (item.get("name") or "").strip()
        role = item.get("role") or ""
        phone = (item.get("phone") or "").strip()
        id_number = (item.get("id_number") or "").strip()
        if not name:
            problems.append(prefix + _("请填写姓名。"))
        elif len(name) > 100:
            problems.append(prefix + _("姓名不能超过 100 字。"))
        if role not in PartyRole.values:
            problems.append(prefix + _("身份应为申请人（applicant）或被申请人（respondent）。"))
        if phone and not PHONE_PATTERN.match(phone):
            problems.append(prefix + _("联系电话格式不正确。"))
        if id_number:
            try:
                id_number = normalize_id_number(id_number)
            except ValidationError as exc:
                problems.append(prefix + " ".join(exc.messages))
        parties.append({"name": name, "role": role, "phone": phone, "id_number": id_number})
    if problems:
        errors["parties"] = problems
    return parties


def _clean_report(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    code = data.get("category") or ""
    category = DisputeCategory.objects.filter(code=code, active=True).first() if code else None
    if category is None:
        errors["category"] = [_("请选择有效的矛盾纠纷类别。")]
    clean["category"] = category
    scale = data.get("scale") or DisputeScale.ORDINARY
    if scale not in DisputeScale.values:
        errors["scale"] = [_("规模应为 ordinary（一般）、large（较大）或 major（重大）。")]
    clean["scale"] = scale
    clean["summary"] = _text(
        data, "summary", errors, limit=2000, required_msg=_("请填写矛盾纠纷简述。")
    )
    clean["address"] = _text(data, "address", errors, limit=200)
    clean["occurred_on"] = _date(data.get("occurred_on"), "occurred_on", errors, required=False)
    has_point = data.get("lng") not in (None, "") or data.get("lat") not in (None, "")
    clean["lng"] = _number(data.get("lng"), -180, 180, "lng", errors) if has_point else None
    clean["lat"] = _number(data.get("lat"), -90, 90, "lat", errors) if has_point else None
    clean["unit"] = (data.get("unit") or "").strip()
    if not has_point and not clean["unit"]:
        errors["unit"] = [_("请提供纠纷发生位置（经纬度）或选择接收单位。")]
    clean["parties"] = _clean_parties(data.get("parties"), errors)
    count = _count(data.get("parties_count"), "parties_count", errors, low=1, required=False)
    if count is not None and count < len(clean["parties"]):
        errors["parties_count"] = [_("当事人数量不能少于已填写的当事人人数。")]
    clean["parties_count"] = count or len(clean["parties"])
    clean["people_involved"] = _count(
        data.get("people_involved"), "people_involved", errors, low=1, required=True
    )
    amount = data.get("amount_involved")
    clean["amount_involved"] = None
    if amount not in (None, ""):
        try:
            value = Decimal(str(amount))
            if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
                raise InvalidOperation
            clean["amount_involved"] = value.quantize(Decimal("0.01"))
        except InvalidOperation:
            errors["amount_involved"] = [_("涉及金额应为不小于 0 的数字（元）。")]
    if errors:
        raise ActionInvalid(errors)
    return clean


def dispute_report(*, actor: Actor, **data: Any) -> Case:
    """Register a dispute; returns the new case (number prefix JF).

    Permission: the roles that may report events (grid worker, village staff, town/county
    operator or commander); read-only roles get `PermissionDenied` (audited), others
    `EventReportDenied`. Location: a WGS84 point (the grid is found; its village receives
    the case) or a receiving `unit` (village, town or county of the actor's county). Scale
    sets the urgency (一般 low, 较大 medium, 重大 high). Bad input raises `ActionInvalid` with
    every field problem and nothing is saved. Side effects: the case with its `report`
    history row and accept clock, the detail row, the parties (phone and ID number
    encrypted, ID number blind-indexed), one audit record.
    """
    require_write(actor)
    if actor.role not in REPORTER_ROLES:
        raise EventReportDenied(_("当前岗位不能登记矛盾纠纷。"))
    clean = _clean_report(data)
    grid = grid_for_point(clean["lng"], clean["lat"]) if clean["lng"] is not None else None
    if clean["lng"] is not None and grid is None and not clean["unit"]:
        raise ActionInvalid({"unit": [_("该位置不在任何网格内，请选择接收单位。")]})
    region_code, holder = _receiving_unit((actor.scope_code or "")[:6], grid, clean["unit"])
    category = clean["category"]
    with transaction.atomic():
        now = timezone.now()
        case = case_open(
            actor=actor,
            case_type=CASE_TYPE,
            region_code=region_code,
            holder_code=holder,
            title=clean["summary"][:100],
            category_code=category.code,
            urgency=URGENCY_BY_SCALE[clean["scale"]],
            origin_code=actor_unit(actor),
            note=clean["summary"],
            payload={"scale": clean["scale"], "parties_count": clean["parties_count"]},
            now=now,
        )
        DisputeDetail.objects.create(
            case=case,
            category=category,
            scale=clean["scale"],
            summary=clean["summary"],
            occurred_on=clean["occurred_on"],
            address=clean["address"],
            lng=clean["lng"],
            lat=clean["lat"],
            region_code=region_code,
            grid_code=grid or "",
            parties_count=clean["parties_count"],
            people_involved=clean["people_involved"],
            amount_involved=clean["amount_involved"],
            reporter=actor.user,
            created_at=now,
        )
        DisputeParty.objects.bulk_create(
            [
                DisputeParty(
                    case=case,
                    name=party["name"],
                    role=party["role"],
                    phone=party["phone"],
                    id_number=party["id_number"],
                    id_hash=blind_index(party["id_number"], "id_number")
                    if party["id_number"]
                    else "",
                )
                for party in clean["parties"]
            ]
        )
        audit_log(
            actor=actor,
            action="case.report",
            object_type="flow.case",
            object_id=case.number,
            region_code=region_code,
            ip=actor.ip,
            detail={
                "case_type": CASE_TYPE,
                "category": category.code,
                "scale": clean["scale"],
                "holder": holder,
                "parties": len(clean["parties"]),
                "level": region_level(holder),
            },
        )
    return case


def _lock_for_step(actor: Actor, case: Case, step: str) -> Case:
    """Lock a dispute case for a mediation step, or raise ActionNotAllowed (HTTP 409)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.case_type != CASE_TYPE:
        raise ActionNotAllowed(_("只有矛盾纠纷案件可以登记调解情况。"), [])
    if not step_allowed(actor, locked, step):
        raise ActionNotAllowed(
            _("只有承办或协办单位在办理中才能登记调解情况。"), available_actions(actor, locked)
        )
    return locked


def _append_step(
    actor: Actor, case: Case, action: str, note: str, payload: dict, now: dt.datetime
) -> CaseAction:
    """A history row for a step that does not move the state; bumps the case version."""
    row = CaseAction.objects.create(
        case=case,
        seq=case.actions.count() + 1,
        action=action,
        actor=actor.user,
        position=actor.position,
        unit_code=actor_unit(actor),
        role=actor.role or "",
        from_state=case.state,
        to_state=case.state,
        from_holder=case.holder_code,
        to_holder=case.holder_code,
        note=note,
        payload=payload,
        created_at=now,
    )
    case.version += 1
    case.updated_at = now
    case.save(update_fields=["version", "updated_at"])
    return row


def mediation_record(
    *, actor: Actor, case: Case, now: dt.datetime | None = None, **data: Any
) -> MediationAttempt:
    """Record one mediation attempt on a dispute being handled.

    Permission: the actor works in the holding unit or an open 协办 unit, and the case is
    办理中 (accepted); otherwise `ActionNotAllowed` (409). Fields: `mediated_on` (not in the
    future), `method`, `organisation`, `mediator`, `result`, optional `notes`; bad input raises
    `ActionInvalid` and nothing is saved. Side effects: the attempt, a "mediation" history
    row (case version +1), one audit record. `now` (default: the current time) is for
    replaying history with its own timestamps (the demo builder's tests).
    """
    require_write(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    mediated_on = _date(
        data.get("mediated_on"), "mediated_on", errors, required=True, today=timezone.localdate(now)
    )
    method = data.get("method") or ""
    if method not in MediationMethod.values:
        errors["method"] = [_("调解方式应为人民调解、行政调解、司法调解或其他。")]
    result = data.get("result") or ""
    if result not in MediationResult.values:
        errors["result"] = [_("调解结果应为成功、失败或部分。")]
    organisation = _text(
        data, "organisation", errors, limit=100, required_msg=_("请填写调解组织。")
    )
    mediator = _text(data, "mediator", errors, limit=50, required_msg=_("请填写调解员。"))
    notes = _text(data, "notes", errors, limit=2000)
    with transaction.atomic():
        locked = _lock_for_step(actor, case, "mediation")
        if errors:
            raise ActionInvalid(errors)
        attempt = MediationAttempt.objects.create(
            case=locked,
            mediated_on=mediated_on,
            method=method,
            organisation=organisation,
            mediator=mediator,
            result=result,
            notes=notes,
            recorded_by=actor.user,
            created_at=now,
        )
        payload = {"mediation": attempt.pk, "method": method, "result": result}
        _append_step(actor, locked, "mediation", notes, payload, now)
        audit_log(
            actor=actor,
            action="dispute.mediation_record",
            object_type="flow.case",
            object_id=locked.number,
            region_code=locked.region_code,
            ip=actor.ip,
            detail={**payload, "mediated_on": mediated_on.isoformat()},
        )
    return attempt


def agreement_blocker(case: Case) -> str:
    """Why the case's data rules out recording an agreement ('' when it does not): one is
    already recorded, or no mediation has succeeded yet. Who may record, and when, is
    `step_allowed`."""
    if MediationAgreement.objects.filter(case=case).exists():
        return _("该纠纷已登记调解协议。")
    succeeded = [MediationResult.SUCCESS, MediationResult.PARTIAL]
    if not case.mediations.filter(result__in=succeeded).exists():
        return _("请先登记一次调解成功或部分成功的调解记录。")
    return ""


def agreement_record(
    *, actor: Actor, case: Case, now: dt.datetime | None = None, **data: Any
) -> MediationAgreement:
    """Record the mediation agreement (调解协议) of a dispute being handled.

    Permission as `mediation_record`. Needs an earlier successful or partly successful
    mediation attempt and no agreement yet. The 司法确认 deadline is `agreed_on` + 30 natural
    days. Bad input raises `ActionInvalid`; nothing is saved. Side effects: the agreement, an
    "agreement" history row (case version +1), one audit record. `now` as `mediation_record`.
    """
    require_write(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    agreed_on = _date(
        data.get("agreed_on"), "agreed_on", errors, required=True, today=timezone.localdate(now)
    )
    content = _text(data, "content", errors, limit=2000, required_msg=_("请填写协议内容摘要。"))
    confirmed = bool(data.get("confirmed", False))
    with transaction.atomic():
        locked = _lock_for_step(actor, case, "agreement")
        blocker = agreement_blocker(locked)
        if blocker:
            errors.setdefault("agreed_on", []).append(blocker)
        if errors:
            raise ActionInvalid(errors)
        agreement = MediationAgreement.objects.create(
            case=locked,
            agreed_on=agreed_on,
            content=content,
            judicial_confirmation_deadline=agreed_on + dt.timedelta(days=CONFIRMATION_DAYS),
            confirmed=confirmed,
            recorded_by=actor.user,
            created_at=now,
        )
        payload = {
            "agreed_on": agreed_on.isoformat(),
            "deadline": agreement.judicial_confirmation_deadline.isoformat(),
            "confirmed": confirmed,
        }
        _append_step(actor, locked, "agreement", content, payload, now)
        audit_log(
            actor=actor,
            action="dispute.agreement_record",
            object_type="flow.case",
            object_id=locked.number,
            region_code=locked.region_code,
            ip=actor.ip,
            detail=payload,
        )
    return agreement


def agreement_confirm(
    *, actor: Actor, case: Case, now: dt.datetime | None = None
) -> MediationAgreement:
    """Mark the agreement as 司法确认 obtained (stops the reminder mattering).

    Permission: the holding, 协办 or command unit, in any state (confirmation often comes
    after the case is closed); otherwise `ActionNotAllowed`. Side effects: the flag, a
    "agreement_confirm" history row, one audit record. Confirming twice is refused. `now` as
    `mediation_record`.
    """
    require_write(actor)
    with transaction.atomic():
        locked = _lock_for_step(actor, case, "agreement_confirm")
        agreement = MediationAgreement.objects.select_for_update().filter(case=locked).first()
        if agreement is None:
            raise ActionInvalid({"confirmed": [_("该纠纷尚未登记调解协议。")]})
        if agreement.confirmed:
            raise ActionInvalid({"confirmed": [_("该调解协议已登记为司法确认。")]})
        agreement.confirmed = True
        agreement.save(update_fields=["confirmed"])
        now = now or timezone.now()
        _append_step(actor, locked, "agreement_confirm", "", {"confirmed": True}, now)
        audit_log(
            actor=actor,
            action="dispute.agreement_confirm",
            object_type="flow.case",
            object_id=locked.number,
            region_code=locked.region_code,
            ip=actor.ip,
            detail={"agreed_on": agreement.agreed_on.isoformat()},
        )
    return agreement


def scan_agreement_reminders(*, now: dt.datetime | None = None) -> list[str]:
    """Record a reminder for every unconfirmed agreement whose 司法确认 window ends within 7
    days (and has not ended). Idempotent: one reminder per agreement (unique key); returns
    the case numbers reminded by this run. Side effects: reminder rows, one audit record
    when any were made. Delivery to people comes with the `notify` app.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = (
        MediationAgreement.objects.filter(
            confirmed=False,
            reminder__isnull=True,
            judicial_confirmation_deadline__gte=today,
            judicial_confirmation_deadline__lte=today + dt.timedelta(days=REMINDER_DAYS_BEFORE),
        )
        .select_related("case")
        .order_by("judicial_confirmation_deadline", "case_id")
    )
    with transaction.atomic():
        rows = list(due)
        if not rows:
            return []
        AgreementReminder.objects.bulk_create(
            [
                AgreementReminder(
                    agreement=row,
                    holder_code=row.case.holder_code,
                    deadline=row.judicial_confirmation_deadline,
                    created_at=now,
                )
                for row in rows
            ],
            ignore_conflicts=True,
        )
        numbers = [row.case.number for row in rows]
        audit_log(
            actor=None,
            action="dispute.confirmation_reminder",
            object_type="flow.case",
            username="system",
            detail={"count": len(rows), "numbers": numbers},
        )
    return numbers


def dispute_detail_data(case: Case) -> dict:
    """The dispute part of a case's detail: parties masked, mediations, agreement."""
    detail = DisputeDetail.objects.select_related("category").filter(case=case).first()
    if detail is None:
        return {}
    agreement = MediationAgreement.objects.filter(case=case).first()
    return {
        "category": detail.category_id,
        "category_name": detail.category.name,
        "scale": detail.scale,
        "scale_label": str(detail.get_scale_display()),
        "summary": detail.summary,
        "occurred_on": detail.occurred_on.isoformat() if detail.occurred_on else None,
        "address": detail.address,
        "lng": detail.lng,
        "lat": detail.lat,
        "region_code": detail.region_code,
        "grid_code": detail.grid_code,
        "parties_count": detail.parties_count,
        "people_involved": detail.people_involved,
        "amount_involved": str(detail.amount_involved)
        if detail.amount_involved is not None
        else None,
        "parties": [
            {
                "name": party.name,
                "role": party.role,
                "role_label": str(party.get_role_display()),
                "phone": mask_phone(party.phone),
                "id_number": mask_id_number(party.id_number),
            }
            for party in case.dispute_parties.order_by("id")
        ],
        "mediations": [
            mediation_data(row) for row in case.mediations.order_by("mediated_on", "id")
        ],
        "agreement": agreement_data(agreement) if agreement else None,
    }


def mediation_data(row: MediationAttempt) -> dict:
    return {
        "id": row.pk,
        "mediated_on": row.mediated_on.isoformat(),
        "method": row.method,
        "method_label": str(row.get_method_display()),
        "organisation": row.organisation,
        "mediator": row.mediator,
        "result": row.result,
        "result_label": str(row.get_result_display()),
        "notes": row.notes,
    }


def agreement_data(row: MediationAgreement) -> dict:
    return {
        "agreed_on": row.agreed_on.isoformat(),
        "content": row.content,
        "judicial_confirmation_deadline": row.judicial_confirmation_deadline.isoformat(),
        "confirmed": row.confirmed,
    }


def dispute_category_save(
    *, actor: Actor, category: DisputeCategory, created: bool
) -> DisputeCategory:
    """Create or change a dispute category (admin screens; limited to system administrators).

    Permission: a writing position. Side effects: one audit record.
    """
    require_write(actor)
    with transaction.atomic():
        category.save()
        audit_log(
            actor=actor,
            action="events.dispute_category_create"
            if created
            else "events.dispute_category_change",
            object_type="events.disputecategory",
            object_id=category.code,
            ip=actor.ip,
            detail={"name": category.name, "active": category.active},
        )
    return category

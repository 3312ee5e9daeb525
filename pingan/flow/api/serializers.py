"""Serializers for the cases API (read shapes, query filters, the action request)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pingan.flow.models import Case
from pingan.flow.selectors import INBOXES
from pingan.flow.types import ACTION_CODES, get_case_type


class UnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.CharField(help_text="region（区划单位）或 department（职能部门）")
    name = serializers.CharField()


def _unit(code: str, names: dict[str, str]) -> dict | None:
    if not code:
        return None
    return {
        "code": code,
        "kind": "region" if code.isdigit() else "department",
        "name": names.get(code, code),
    }


# The model columns a list row reads (`CaseListView` fetches only these).
CASE_LIST_COLUMNS = (
    "id",
    "number",
    "case_type",
    "title",
    "category_code",
    "urgency",
    "state",
    "region_code",
    "holder_code",
    "due_at",
    "warn_at",
    "is_warned",
    "is_overdue",
    "is_urgent",
    "supervision_level",
    "version",
    "created_at",
    "updated_at",
    "closed_at",
)


class CaseListSerializer(serializers.ModelSerializer):
    """One row of a case list. Unit names come from `context["names"]` (one bulk lookup)."""

    state_label = serializers.SerializerMethodField()
    holder = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "number",
            "case_type",
            "title",
            "category_code",
            "urgency",
            "state",
            "state_label",
            "region_code",
            "holder",
            "due_at",
            "warn_at",
            "is_warned",
            "is_overdue",
            "is_urgent",
            "supervision_level",
            "version",
            "created_at",
            "updated_at",
            "closed_at",
        ]

    def get_state_label(self, case: Case) -> str:
        return get_case_type(case.case_type).state_label(case.state)

    def _names(self) -> dict[str, str]:
        return self.context.get("names", {})

    @extend_schema_field(UnitSerializer(allow_null=True))
    def get_holder(self, case: Case):
        return _unit(case.holder_code, self._names())


class AvailableActionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    note_required = serializers.BooleanField()
    needs_approval = serializers.BooleanField()


class TimelineEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField(allow_null=True, help_text="办理记录序号；record 类为 null")
    kind = serializers.CharField(
        help_text="action（流转操作）、step（调解、协议、合并等办理记录）、"
        "record（不属于办理记录的事项：司法确认提醒、上传附件）"
    )
    action = serializers.CharField()
    label = serializers.CharField(help_text="中文名称，如“派遣部门”“调解”“司法确认提醒”")
    summary = serializers.CharField(help_text="一句话说明，如“调解（人民调解，…）：调解成功”")
    actor = serializers.CharField(help_text="操作人姓名（系统、群众）")
    unit = UnitSerializer(allow_null=True)
    role = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    from_state_label = serializers.CharField()
    to_state_label = serializers.CharField()
    from_holder = UnitSerializer(allow_null=True)
    to_holder = UnitSerializer(allow_null=True)
    note = serializers.CharField()
    payload = serializers.DictField()
    created_at = serializers.DateTimeField()


class AssistSerializer(serializers.Serializer):
    unit = UnitSerializer()
    due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    done_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


class SupervisionSerializer(serializers.Serializer):
    level = serializers.CharField()
    penalty_points = serializers.IntegerField()
    target = UnitSerializer()
    issuer = UnitSerializer()
    note = serializers.CharField()
    response_due_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ClockSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="accept / handle / verify；空表示不计时")
    started_at = serializers.DateTimeField(allow_null=True)
    warn_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    paused = serializers.BooleanField()
    provisional = serializers.BooleanField(help_text="期限所用年份的节假日安排尚未公布")


class CaseDetailSerializer(CaseListSerializer):
    """The case with its clock, actions available to the caller, history and typed detail."""

    command = serializers.SerializerMethodField()
    origin = serializers.SerializerMethodField()
    clock = serializers.SerializerMethodField()
    pending_extension = serializers.JSONField(allow_null=True)
    available_actions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    assists = serializers.SerializerMethodField()
    supervisions = serializers.SerializerMethodField()
    detail = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "command",
            "origin",
            "clock",
            "rework_count",
            "reopen_count",
            "satisfaction",
            "is_returned",
            "pending_extension",
            "available_actions",
            "timeline",
            "assists",
            "supervisions",
            "detail",
        ]

    @extend_schema_field(UnitSerializer(allow_null=True))
    def get_command(self, case: Case):
        return _unit(case.command_code, self._names())

    @extend_schema_field(UnitSerializer(allow_null=True))
    def get_origin(self, case: Case):
        return _unit(case.origin_code, self._names())

    @extend_schema_field(ClockSerializer)
    def get_clock(self, case: Case):
        return {
            "kind": case.clock_kind,
            "started_at": case.clock_started_at,
            "warn_at": case.warn_at,
            "due_at": case.due_at,
            "paused": case.clock_paused_at is not None,
            "provisional": case.clock_provisional,
        }

    @extend_schema_field(AvailableActionSerializer(many=True))
    def get_available_actions(self, case: Case):
        case_type = get_case_type(case.case_type)
        return [
            {
                "code": code,
                "label": str(case_type.actions[code].label),
                "note_required": case_type.actions[code].note_required,
                "needs_approval": case_type.actions[code].needs_approval,
            }
            for code in self.context.get("available_actions", [])
        ]

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, case: Case):
        """Entries from `flow.timeline.case_timeline_entries` (context "timeline")."""
        names = self._names()
        return [
            {
                "seq": entry.seq,
                "kind": entry.kind,
                "action": entry.action,
                "label": entry.label,
                "summary": entry.summary,
                "actor": entry.actor,
                "unit": _unit(entry.unit_code, names),
                "role": entry.role,
                "from_state": entry.from_state,
                "to_state": entry.to_state,
                "from_state_label": entry.from_state_label,
                "to_state_label": entry.to_state_label,
                "from_holder": _unit(entry.from_holder, names),
                "to_holder": _unit(entry.to_holder, names),
                "note": entry.note,
                "payload": entry.payload,
                "created_at": entry.created_at,
            }
            for entry in self.context.get("timeline", [])
        ]

    @extend_schema_field(AssistSerializer(many=True))
    def get_assists(self, case: Case):
        names = self._names()
        return [
            {
                "unit": _unit(a.unit_code, names),
                "due_at": a.due_at,
                "is_overdue": a.is_overdue,
                "done_at": a.done_at,
                "note": a.note,
            }
            for a in self.context.get("assists", [])
        ]

    @extend_schema_field(SupervisionSerializer(many=True))
    def get_supervisions(self, case: Case):
        names = self._names()
        return [
            {
                "level": s.level,
                "penalty_points": s.penalty_points,
                "target": _unit(s.target_code, names),
                "issuer": _unit(s.issuer_code, names),
                "note": s.note,
                "response_due_at": s.response_due_at,
                "responded_at": s.responded_at,
                "created_at": s.created_at,
            }
            for s in self.context.get("supervisions", [])
        ]

    def get_detail(self, case: Case) -> dict:
        case_type = get_case_type(case.case_type)
        return case_type.detail(case) if case_type.detail else {}


class CaseFilterSerializer(serializers.Serializer):
    """Query parameters of the case list."""

    inbox = serializers.ChoiceField(choices=INBOXES, default="all", label=_("收件箱"))
    state = serializers.CharField(required=False, max_length=24, label=_("状态"))
    case_type = serializers.CharField(required=False, max_length=24, label=_("案件类型"))
    region = serializers.RegexField(
        r"^\d{2,18}$",
        required=False,
        label=_("区划前缀"),
        error_messages={"invalid": _("区划编码应为 2–18 位数字。")},
    )
    created_after = serializers.DateTimeField(required=False, label=_("创建时间起"))
    created_before = serializers.DateTimeField(required=False, label=_("创建时间止"))

    def validate(self, attrs):
        after, before = attrs.get("created_after"), attrs.get("created_before")
        if after and before and after > before:
            raise serializers.ValidationError({"created_before": [_("结束时间不能早于开始时间。")]})
        return attrs


class ActionRequestSerializer(serializers.Serializer):
    """`{"action": code, "note": …, "version": …, …parameters}`.

    Parameters by action: assign/transfer `unit`; dispatch `department`, optional `assist`
    (list of unit codes); add_assist `units`; request_extension `due_at` (ISO 8601);
    callback `satisfaction` (satisfied / basically_satisfied / unsatisfied); supervise
    `level` (normal / yellow / red); mark_urgent optional `urgent` (default true). Any action
    may carry an `idempotency_key` so that a resend is answered instead of refused.
    """

    action = serializers.ChoiceField(choices=[c for c in ACTION_CODES if c != "report"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="客户端看到的版本号；不一致时返回 409"
    )
    unit = serializers.CharField(required=False, max_length=40)
    units = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    department = serializers.CharField(required=False, max_length=40)
    assist = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    due_at = serializers.DateTimeField(required=False)
    satisfaction = serializers.CharField(required=False, max_length=24)
    level = serializers.CharField(required=False, max_length=8)
    urgent = serializers.BooleanField(required=False)
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=(
            "客户端生成的唯一键（1–64 位字母、数字或 _.:-）。同一用户用同一键重发同一操作时"
            "不再执行，返回案件当前状态与 replayed: true"
        ),
    )


class ActionResultSerializer(CaseDetailSerializer):
    """The case after the action (the detail shape) plus whether it was a replay."""

    replayed = serializers.BooleanField(
        help_text="true 表示按幂等键识别为重发：本次未执行操作，返回的是案件当前状态"
    )

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "replayed"]


class ActionConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="not_allowed（当前不能执行）或 conflict（已被他人处理）")
    state = serializers.CharField()
    allowed_actions = serializers.ListField(child=serializers.CharField())

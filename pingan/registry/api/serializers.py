"""Request bodies (validated shape only; the services check the content and answer with
field-level Chinese messages) and response shapes for the OpenAPI schema."""

from __future__ import annotations

from rest_framework import serializers

from pingan.registry.kinds import CardKind


class _Loose(serializers.Serializer):
    """Blank values reach the services, which word the error messages."""


class PersonCreateSerializer(_Loose):
    name = serializers.CharField(max_length=100, allow_blank=True)
    id_number = serializers.CharField(max_length=40, allow_blank=True, help_text="公民身份号码")
    region_code = serializers.CharField(
        max_length=18, required=False, allow_blank=True, help_text="所属村（社区）或网格编码"
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    ethnicity = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="民族代码或名称"
    )
    house_id = serializers.IntegerField(required=False, allow_null=True)
    sex = serializers.CharField(
        max_length=1, required=False, allow_blank=True, help_text="可选，须与身份证号一致"
    )
    birth_date = serializers.CharField(
        max_length=10, required=False, allow_blank=True, help_text="可选，须与身份证号一致"
    )
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="可选：客户端生成的唯一键，重发同一键只登记一次（返回 200 与原人员）",
    )


class PersonUpdateSerializer(_Loose):
    version = serializers.IntegerField(help_text="读取时的版本号（乐观锁）")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True)
    house_id = serializers.IntegerField(required=False, allow_null=True)


class RevealSerializer(_Loose):
    fields = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=40
    )
    reason = serializers.CharField(max_length=500, allow_blank=True, help_text="查看原因（必填）")


class CardOpenSerializer(_Loose):
    kind = serializers.ChoiceField(choices=CardKind.choices)
    attributes = serializers.JSONField(required=False, help_text="类型信息，字段见 registry/kinds/")
    risk_level = serializers.IntegerField(required=False, allow_null=True)
    attention = serializers.CharField(max_length=20, required=False, allow_blank=True)
    opened_on = serializers.CharField(max_length=10, required=False, allow_blank=True)
    responsible_id = serializers.IntegerField(required=False, allow_null=True)
    helper_ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class CardUpdateSerializer(_Loose):
    version = serializers.IntegerField()
    attributes = serializers.JSONField(required=False)
    attention = serializers.CharField(max_length=20, required=False, allow_blank=True)
    responsible_id = serializers.IntegerField(required=False, allow_null=True)
    helper_ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class CardCloseSerializer(_Loose):
    reason = serializers.CharField(max_length=500, allow_blank=True)
    closed_on = serializers.CharField(max_length=10, required=False, allow_blank=True)


class VisitCreateSerializer(_Loose):
    method = serializers.CharField(max_length=20, allow_blank=True, help_text="走访方式代码或名称")
    visited_at = serializers.CharField(max_length=40, required=False, allow_blank=True)
    place = serializers.CharField(max_length=300, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    risk_level = serializers.IntegerField(required=False, allow_null=True)
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="可选：客户端生成的唯一键，重发同一键只记一次（返回 200 与原记录）",
    )


class HouseCreateSerializer(_Loose):
    address = serializers.CharField(max_length=300, allow_blank=True)
    region_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    is_rental = serializers.BooleanField(required=False, default=False)
    owner_id = serializers.IntegerField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True, help_text="经度，WGS84")
    lat = serializers.FloatField(required=False, allow_null=True, help_text="纬度，WGS84")


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="姓名（汉字、全拼或首字母）、完整身份证号、身份证后4或6位、电话、地址；空格分隔的词须同时匹配",
    )


# --- Response shapes (for the schema) -------------------------------------------------------


class AttributeRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField()
    display = serializers.CharField()


class CardBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    status = serializers.CharField()


class CardSerializer(CardBriefSerializer):
    person_id = serializers.IntegerField()
    region_code = serializers.CharField()
    risk_level = serializers.IntegerField(allow_null=True, required=False)
    risk_label = serializers.CharField(required=False)
    attention = serializers.CharField(required=False)
    attention_label = serializers.CharField(required=False)
    opened_on = serializers.DateField(required=False)
    closed_on = serializers.DateField(allow_null=True, required=False)
    last_visit_at = serializers.DateTimeField(allow_null=True, required=False)
    next_visit_on = serializers.DateField(allow_null=True, required=False)
    overdue = serializers.BooleanField(allow_null=True)
    attributes = AttributeRowSerializer(many=True)
    attributes_complete = serializers.BooleanField(
        help_text="false：敏感类型只显示摘要，完整信息须经 reveal（留痕）"
    )


class PersonSerializer(serializers.Serializer):
    """Fields a department position is not opened by its gate are left out."""

    id = serializers.IntegerField()
    name = serializers.CharField(required=False)
    sex = serializers.CharField(required=False)
    sex_label = serializers.CharField(required=False)
    birth_date = serializers.DateField(required=False)
    ethnicity = serializers.CharField(required=False)
    ethnicity_label = serializers.CharField(required=False)
    id_number = serializers.CharField(required=False, help_text="脱敏：530623********1234")
    phone = serializers.CharField(required=False, help_text="脱敏：138****5678")
    address = serializers.CharField(required=False)
    region_code = serializers.CharField(required=False)
    house_id = serializers.IntegerField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False)


class PersonListItemSerializer(PersonSerializer):
    cards = CardBriefSerializer(many=True)


class PersonDetailSerializer(PersonSerializer):
    cards = CardSerializer(many=True)
    # Moves and 漏管 (region positions only; see pingan.registry.moves.selectors).
    move_pending = serializers.BooleanField(required=False, help_text="有待接收的迁移")
    move = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="待接收的迁移（同 /api/v1/registry/moves/ 的一行）",
    )
    moved_out = serializers.BooleanField(required=False, help_text="最近一次迁移为迁出本系统")
    unmanaged = serializers.BooleanField(required=False, help_text="漏管")
    unmanaged_reasons = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="move_overdue 迁移超期未接收；region_missing 所属网格已不存在；"
        "no_worker 无网格员",
    )


class PersonRevealResponseSerializer(serializers.Serializer):
    id_number = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)


class CardRevealResponseSerializer(serializers.Serializer):
    attributes = AttributeRowSerializer(many=True)


class VisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    visited_at = serializers.DateTimeField()
    method = serializers.CharField()
    method_label = serializers.CharField()
    place = serializers.CharField()
    notes = serializers.CharField(required=False, help_text="仅区划岗位（非只读）可见")
    risk_level_before = serializers.IntegerField(allow_null=True)
    risk_level_after = serializers.IntegerField(allow_null=True)
    visitor = serializers.CharField()
    next_visit_on = serializers.DateField(allow_null=True)


class HouseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.CharField()
    region_code = serializers.CharField()
    is_rental = serializers.BooleanField()
    owner_id = serializers.IntegerField(allow_null=True)
    point = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="[lng, lat]，保留两位小数"
    )
    occupants = serializers.IntegerField(required=False)


class OverdueCountSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="区划编码，或 by=responsible 时的用户编号")
    name = serializers.CharField()
    count = serializers.IntegerField()

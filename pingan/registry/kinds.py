"""Card kinds (人员类型) and the typed fields each kind carries (REFERENCE §1.3–1.5).

A person has one card per kind they belong to (户籍, 流动, 刑满释放 …). Base fields live on
`Person`; what is specific to a kind lives in the card's attributes, validated against the
field list declared here. The four gated kinds reuse the `RecordKind` strings of
`pingan.accounts.gates`, and their attribute names are the field names the gates open.

Kinds marked `sensitive` (criminal, health, minors, petitions) keep their attributes
encrypted at rest and show only `summary` attributes unless revealed (audited) or opened by a
gate. Attributes marked `mask` (ID numbers and phones of guardians, householders …) are
masked in every listing and shown in full only through a reveal.

Groups, attribute labels and risk labels stay Chinese in the specs (`gettext_noop`): they
are data too — the headers of import templates and exports, and the risk words (低/中/高)
an import reads back. Screens translate them when shown, through `display_label`,
`group_label`, `risk_title` and `risk_level_label`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from pingan.accounts.gates import RecordKind


class CardKind(models.TextChoices):
    HOUSEHOLD = "household", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    OVERSEAS = "overseas", _("境外人员")
    LEFT_BEHIND = "left_behind", _("留守人员")
    RELEASED_PRISONER = RecordKind.RELEASED_PRISONER, _("刑满释放人员")
    COMMUNITY_CORRECTION = RecordKind.COMMUNITY_CORRECTION, _("社区矫正对象")
    MENTAL_DISORDER = RecordKind.MENTAL_DISORDER, _("严重精神障碍患者")
    DRUG_USER = RecordKind.DRUG_USER, _("吸毒人员")
    AIDS_RISK = "aids_risk", _("艾滋病危险人员")
    KEY_YOUTH = "key_youth", _("重点青少年")
    KEY_PETITIONER = "key_petitioner", _("重点上访人员")


class FieldType(models.TextChoices):
    TEXT = "text", _("文本")
    DATE = "date", _("日期")
    BOOL = "bool", _("是/否")
    INT = "int", _("整数")
    CODE = "code", _("代码（单选）")
    CODES = "codes", _("代码（多选）")


class Mask(models.TextChoices):
    ID_NUMBER = "id_number", _("身份证号")
    PHONE = "phone", _("电话")
    DOCUMENT = "document", _("证件号")


@dataclass(frozen=True)
class AttrField:
    """One typed attribute of a card kind."""

    name: str
    label: str
    type: str = FieldType.TEXT
    code_table: str = ""  # CodeTable.code for CODE / CODES
    required: bool = False
    max_length: int = 200
    min_value: int = 0
    max_value: int = 1_000_000_000
    mask: str = ""  # Mask value: masked in listings, full only through a reveal
    summary: bool = False  # of a sensitive kind: shown to in-scope users without a reveal

    @property
    def display_label(self) -> str:
        """The label in the active language (`label` is the Chinese import/export header)."""
        return gettext(self.label)


@dataclass(frozen=True)
class KindSpec:
    kind: str
    group: str
    sensitive: bool
    fields: tuple[AttrField, ...]
    # Allowed `Card.risk_level` values and their labels; None: the kind has no risk scale.
    risk_levels: dict[int, str] | None = None
    risk_label: str = ""
    # Cross-field checks: (earlier date field, later date field).
    date_order: tuple[tuple[str, str], ...] = field(default=())

    @property
    def label(self) -> str:
        return str(CardKind(self.kind).label)

    @property
    def group_label(self) -> str:
        return gettext(self.group)

    @property
    def risk_title(self) -> str:
        """`risk_label` in the active language ("" for kinds without a risk scale)."""
        return gettext(self.risk_label) if self.risk_label else ""

    def risk_level_label(self, level: int | None) -> str:
        """The label of `level` in the active language ("" when unknown or unset)."""
        text = (self.risk_levels or {}).get(level, "") if level is not None else ""
        return gettext(text) if text else ""

    @property
    def risk_choices(self) -> list[tuple[int, str]]:
        """(level, label in the active language) of the kind's scale, [] without one."""
        return [(level, gettext(text)) for level, text in (self.risk_levels or {}).items()]

    def field(self, name: str) -> AttrField | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


T, D, B, INT, C, CS = (
    FieldType.TEXT,
    FieldType.DATE,
    FieldType.BOOL,
    FieldType.INT,
    FieldType.CODE,
    FieldType.CODES,
)
LOW_MID_HIGH = {1: gettext_noop("低"), 2: gettext_noop("中"), 3: gettext_noop("高")}
# Literal labels (not composed from parts) so makemessages extracts each one.
GUARDIAN = (
    AttrField("guardian_name", gettext_noop("监护人姓名"), max_length=50),
    AttrField("guardian_id_number", gettext_noop("监护人公民身份号码"), mask=Mask.ID_NUMBER),
    AttrField("guardian_phone", gettext_noop("监护人联系方式"), mask=Mask.PHONE, max_length=30),
)


SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            CardKind.HOUSEHOLD,
            gettext_noop("实有人口"),
            sensitive=False,
            fields=(
                AttrField("person_household_match", gettext_noop("人户一致"), B),
                AttrField("household_number", gettext_noop("户号"), max_length=30),
                AttrField("householder_name", gettext_noop("户主姓名"), max_length=50),
                AttrField(
                    "householder_id_number", gettext_noop("户主公民身份号码"), mask=Mask.ID_NUMBER
                ),
                AttrField(
                    "relation_to_householder", gettext_noop("与户主关系"), C, "family_relation"
                ),
                AttrField(
                    "householder_phone",
                    gettext_noop("户主联系方式"),
                    mask=Mask.PHONE,
                    max_length=30,
                ),
            ),
        ),
        KindSpec(
            CardKind.FLOATING,
            gettext_noop("实有人口"),
            sensitive=False,
            fields=(
                AttrField(
                    "inflow_reason", gettext_noop("流入原因"), C, "inflow_reason", required=True
                ),
                AttrField("certificate_type", gettext_noop("办证类型"), C, "residence_certificate"),
                AttrField(
                    "certificate_number",
                    gettext_noop("证件号码"),
                    mask=Mask.DOCUMENT,
                    max_length=40,
                ),
                AttrField("registered_on", gettext_noop("登记日期"), D),
                AttrField("certificate_expires", gettext_noop("证件到期日期"), D),
                AttrField("residence_type", gettext_noop("住所类型"), C, "residence_type"),
                AttrField("key_attention", gettext_noop("是否重点关注人员"), B),
            ),
            date_order=(("registered_on", "certificate_expires"),),
        ),
        KindSpec(
            CardKind.OVERSEAS,
            gettext_noop("实有人口"),
            sensitive=False,
            fields=(
                AttrField("foreign_surname", gettext_noop("外文姓"), max_length=80),
                AttrField("foreign_given_name", gettext_noop("外文名"), max_length=80),
                AttrField("nationality", gettext_noop("国籍(地区)"), max_length=50, required=True),
                AttrField("document_type", gettext_noop("证件种类"), C, "overseas_document"),
                AttrField(
                    "document_number", gettext_noop("证件号码"), mask=Mask.DOCUMENT, max_length=40
                ),
                AttrField("document_expires", gettext_noop("证件有效期至"), D),
                AttrField("purpose", gettext_noop("来华目的"), C, "visit_purpose"),
                AttrField("arrived_on", gettext_noop("抵达日期"), D),
                AttrField("leaving_on", gettext_noop("预计离开日期"), D),
                AttrField("key_attention", gettext_noop("是否重点关注人员"), B),
            ),
            date_order=(("arrived_on", "leaving_on"),),
        ),
        KindSpec(
            CardKind.LEFT_BEHIND,
            gettext_noop("实有人口"),
            sensitive=False,
            fields=(
                AttrField(
                    "left_behind_type",
                    gettext_noop("留守人员类型"),
                    C,
                    "left_behind_type",
                    required=True,
                ),
                AttrField("person_household_match", gettext_noop("人户一致"), B),
                AttrField("health", gettext_noop("健康状况"), C, "health_status"),
                AttrField("personal_income", gettext_noop("个人年收入(元)"), INT),
                AttrField("family_income", gettext_noop("家庭年收入(元)"), INT),
                AttrField("difficulties", gettext_noop("困难及诉求"), max_length=500),
                AttrField("assistance", gettext_noop("帮扶情况"), max_length=500),
            ),
        ),
        KindSpec(
            CardKind.RELEASED_PRISONER,
            gettext_noop("特殊人群"),
            sensitive=True,
            fields=(
                AttrField("original_crime", gettext_noop("原罪名"), required=True, max_length=100),
                AttrField("sentence", gettext_noop("原判刑期"), max_length=100),
                AttrField("prison", gettext_noop("服刑场所"), max_length=100),
                AttrField("release_date", gettext_noop("释放日期"), D, required=True, summary=True),
                AttrField("assistance_end", gettext_noop("帮教期满日期"), D, summary=True),
                AttrField("recidivist", gettext_noop("是否累犯"), B),
                AttrField("handover_date", gettext_noop("衔接日期"), D),
                AttrField("handover_status", gettext_noop("衔接情况"), C, "handover_status"),
                AttrField("placement_date", gettext_noop("安置日期"), D),
                AttrField("placement_status", gettext_noop("安置情况"), C, "placement_status"),
                AttrField("assistance", gettext_noop("帮教情况"), max_length=500),
                AttrField("reoffended", gettext_noop("是否重新犯罪"), B),
                AttrField("reoffence_crime", gettext_noop("重新犯罪罪名"), max_length=100),
            ),
            risk_levels=LOW_MID_HIGH,
            risk_label=gettext_noop("危险性评估"),
            date_order=(("release_date", "assistance_end"), ("release_date", "handover_date")),
        ),
        KindSpec(
            CardKind.COMMUNITY_CORRECTION,
            gettext_noop("特殊人群"),
            sensitive=True,
            fields=(
                AttrField("correction_number", gettext_noop("社区矫正人员编号"), max_length=40),
                AttrField(
                    "correction_type",
                    gettext_noop("矫正类别"),
                    C,
                    "correction_type",
                    required=True,
                    summary=True,
                ),
                AttrField("crime", gettext_noop("具体罪名"), max_length=100),
                AttrField("sentence", gettext_noop("原判刑期"), max_length=100),
                AttrField(
                    "correction_start", gettext_noop("矫正开始日期"), D, required=True, summary=True
                ),
                AttrField(
                    "correction_end", gettext_noop("矫正结束日期"), D, required=True, summary=True
                ),
                AttrField("four_histories", gettext_noop("四史情况"), CS, "four_histories"),
                AttrField("three_involvements", gettext_noop("三涉情况"), CS, "three_involvements"),
                AttrField("recidivist", gettext_noop("是否累惯犯"), B),
                AttrField(
                    "correction_group", gettext_noop("矫正小组成员"), CS, "correction_group_member"
                ),
                AttrField(
                    "supervision_status", gettext_noop("脱管漏管情况"), C, "supervision_status"
                ),
            ),
            risk_levels={1: gettext_noop("宽管"), 2: gettext_noop("普管"), 3: gettext_noop("严管")},
            risk_label=gettext_noop("管理等级"),
            date_order=(("correction_start", "correction_end"),),
        ),
        KindSpec(
            CardKind.MENTAL_DISORDER,
            gettext_noop("特殊人群"),
            sensitive=True,
            fields=(
                AttrField(
                    "diagnosis", gettext_noop("目前诊断类型"), C, "mental_diagnosis", required=True
                ),
                AttrField("first_onset_date", gettext_noop("初次发病日期"), D),
                AttrField("incident_history", gettext_noop("有无肇事肇祸史"), B),
                AttrField("incident_count", gettext_noop("肇事肇祸次数"), INT, max_value=1000),
                AttrField("last_incident_date", gettext_noop("上次肇事肇祸日期"), D),
                AttrField("treatment_status", gettext_noop("治疗情况"), C, "treatment_status"),
                AttrField("hospital_name", gettext_noop("治疗医院名称"), max_length=100),
                *GUARDIAN,
                AttrField("low_income", gettext_noop("是否纳入低保"), B),
                AttrField("assistance", gettext_noop("帮扶情况"), CS, "mental_assistance"),
            ),
            risk_levels={
                0: gettext_noop("0级"),
                1: gettext_noop("1级"),
                2: gettext_noop("2级"),
                3: gettext_noop("3级"),
                4: gettext_noop("4级"),
                5: gettext_noop("5级"),
            },
            risk_label=gettext_noop("危险性评估等级"),
            date_order=(("first_onset_date", "last_incident_date"),),
        ),
        KindSpec(
            CardKind.DRUG_USER,
            gettext_noop("特殊人群"),
            sensitive=True,
            fields=(
                AttrField("first_found_date", gettext_noop("初次发现日期"), D),
                AttrField(
                    "control_status",
                    gettext_noop("管控情况"),
                    C,
                    "drug_control_status",
                    summary=True,
                ),
                AttrField("controller_name", gettext_noop("管控人姓名"), max_length=50),
                AttrField(
                    "controller_phone",
                    gettext_noop("管控人联系方式"),
                    mask=Mask.PHONE,
                    max_length=30,
                ),
                AttrField("assistance", gettext_noop("帮扶情况"), max_length=500),
                AttrField("criminal_record", gettext_noop("有无犯罪史"), B),
                AttrField("criminal_details", gettext_noop("犯罪情况"), max_length=500),
            ),
            risk_levels=LOW_MID_HIGH,
            risk_label=gettext_noop("风险等级"),
        ),
        KindSpec(
            CardKind.AIDS_RISK,
            gettext_noop("特殊人群"),
            sensitive=True,
            fields=(
                AttrField("infection_route", gettext_noop("感染途径"), C, "infection_route"),
                AttrField("criminal_record", gettext_noop("是否有违法犯罪史"), B),
                AttrField("criminal_details", gettext_noop("违法犯罪情况"), max_length=500),
                AttrField("assistance", gettext_noop("帮扶情况"), max_length=500),
                AttrField("treatment_status", gettext_noop("收治情况"), max_length=200),
                AttrField("treatment_org", gettext_noop("收治机构名称"), max_length=100),
            ),
            risk_levels=LOW_MID_HIGH,
            risk_label=gettext_noop("风险等级"),
        ),
        KindSpec(
            CardKind.KEY_YOUTH,
            gettext_noop("重点青少年"),
            sensitive=True,
            fields=(
                AttrField(
                    "youth_types",
                    gettext_noop("人员类型"),
                    CS,
                    "youth_type",
                    required=True,
                    summary=True,
                ),
                AttrField("family_situation", gettext_noop("家庭情况"), max_length=500),
                *GUARDIAN,
                AttrField("guardian_relation", gettext_noop("与监护人关系"), max_length=20),
                AttrField("guardian_address", gettext_noop("监护人居住详址"), max_length=200),
                AttrField("offences", gettext_noop("是否违法犯罪"), B),
                AttrField("offence_details", gettext_noop("违法犯罪情况"), max_length=500),
                AttrField("assistance_method", gettext_noop("帮扶手段"), max_length=200),
                AttrField("assistance", gettext_noop("帮扶情况"), max_length=500),
            ),
        ),
        KindSpec(
            CardKind.KEY_PETITIONER,
            gettext_noop("重点上访"),
            sensitive=True,
            fields=(
                AttrField("petition_nature", gettext_noop("个访或群访"), C, "petition_nature"),
                AttrField(
                    "petition_reason", gettext_noop("上访事由"), required=True, max_length=500
                ),
                AttrField("first_petition_date", gettext_noop("初次上访时间"), D),
                AttrField("petition_count", gettext_noop("上访次数"), INT, max_value=10000),
                AttrField("petition_place", gettext_noop("上访地点"), max_length=100),
                AttrField("issue", gettext_noop("反映问题"), max_length=1000),
                AttrField("disruptive_behaviour", gettext_noop("滋事行为"), max_length=500),
                AttrField("result", gettext_noop("上访结果"), max_length=500),
            ),
            risk_levels=LOW_MID_HIGH,
            risk_label=gettext_noop("稳控等级"),
        ),
    )
}

SENSITIVE_KINDS = frozenset(k for k, s in SPECS.items() if s.sensitive)
# Every attribute name of every kind; `Card` exposes these as read-only attributes so the
# audited reveal (`pingan.core.reveal.reveal_field`) can read one attribute by name.
ALL_ATTRIBUTE_NAMES = frozenset(f.name for s in SPECS.values() for f in s.fields)


def spec_for(kind: str) -> KindSpec:
    return SPECS[kind]


def code_tables_used() -> set[str]:
    return {f.code_table for s in SPECS.values() for f in s.fields if f.code_table}

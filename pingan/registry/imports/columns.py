"""The columns of an import template / export for one card kind, with Chinese headers.

Person base columns come first (姓名 … 所属网格), then the card's own columns (risk level
when the kind has a scale, 关注程度, 列管日期) and the kind's attributes in `kinds.py`
order, headed by their Chinese labels. Imports find columns by these headers; the
aliases let a file exported by us, or with an older label, be read back. The headers are
data, so they stay Chinese in every interface language (`gettext_noop` only lets
makemessages collect them); the help texts are translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pingan.registry.kinds import AttrField, FieldType, KindSpec, Mask, spec_for

# Columns an import ignores: our error report's message column and a row number.
IGNORED_HEADERS = frozenset({"错误信息", "序号", "行号"})


@dataclass(frozen=True)
class Column:
    key: str  # "name", "id_number" …, "risk_level", or "attr:<attribute name>"
    label: str  # the Chinese header, whatever the interface language
    required: bool = False
    type: str = FieldType.TEXT
    code_table: str = ""
    help: str = ""
    text_format: bool = False  # Excel text format: long digit strings must not become numbers
    aliases: tuple[str, ...] = ()
    attr: AttrField | None = None


def person_columns() -> list[Column]:
    return [
        Column("name", gettext_noop("姓名"), True, help=_("不超过 50 个字")),
        Column(
            "id_number",
            gettext_noop("公民身份号码"),
            True,
            help=_("18 位（15 位旧号自动升位），按 GB 11643 校验最后一位"),
            text_format=True,
            aliases=("身份证号", "身份证号码"),
        ),
        Column(
            "phone",
            gettext_noop("联系电话"),
            help=_("11 位手机号，或带区号的固定电话"),
            text_format=True,
            aliases=("联系方式", "手机号码"),
        ),
        Column(
            "ethnicity",
            gettext_noop("民族"),
            type=FieldType.CODE,
            code_table="ethnicity",
            help=_("代码或名称"),
        ),
        Column("address", gettext_noop("现住址"), help=_("不超过 200 个字"), aliases=("现住详址",)),
        Column(
            "region_code",
            gettext_noop("所属网格"),
            True,
            help=_("村（社区）或网格的区划编码（12/15/18 位），须在您的管辖范围内"),
            text_format=True,
            aliases=("所属网格编码", "网格编码"),
        ),
        Column("sex", gettext_noop("性别"), help=_("可不填；填写时须与身份证号一致（男/女）")),
        Column(
            "birth_date",
            gettext_noop("出生日期"),
            type=FieldType.DATE,
            help=_("可不填；填写时须与身份证号一致"),
        ),
    ]


def _attr_help(field: AttrField) -> str:
    if field.type == FieldType.DATE:
        return _("日期，格式 YYYY-MM-DD")
    if field.type == FieldType.BOOL:
        return _("填“是”或“否”")
    if field.type == FieldType.INT:
        return _("整数")
    if field.type == FieldType.CODE:
        return _("代码或名称，见下方可选值")
    if field.type == FieldType.CODES:
        return _("可多选，用“|”或“、”分隔，代码或名称")
    if field.mask == Mask.ID_NUMBER:
        return _("公民身份号码，按 GB 11643 校验")
    if field.mask == Mask.PHONE:
        return _("手机号或带区号的固定电话")
    return _("不超过 %(n)d 个字") % {"n": field.max_length}


def card_columns(spec: KindSpec) -> list[Column]:
    columns: list[Column] = []
    if spec.risk_levels is not None:
        choices = "、".join(f"{k}（{v}）" for k, v in spec.risk_levels.items())
        columns.append(
            Column(
                "risk_level",
                spec.risk_label,
                True,
                type=FieldType.INT,
                help=_("可选：%(choices)s；已登记的类型信息不在导入时改等级（由走访评估调整）")
                % {"choices": choices},
            )
        )
    columns.append(
        Column("attention", gettext_noop("关注程度"), type=FieldType.CODE, code_table="attention")
    )
    columns.append(
        Column(
            "opened_on",
            gettext_noop("列管日期"),
            type=FieldType.DATE,
            help=_("格式 YYYY-MM-DD，不填为今天"),
        )
    )
    for field in spec.fields:
        columns.append(
            Column(
                f"attr:{field.name}",
                field.label,
                field.required,
                type=field.type,
                code_table=field.code_table,
                help=_attr_help(field),
                text_format=bool(field.mask),
                attr=field,
            )
        )
    return columns


def columns_for(kind: str) -> list[Column]:
    """Every column of the template for `kind` (raises KeyError for an unknown kind)."""
    return person_columns() + card_columns(spec_for(kind))


def header_lookup(columns: list[Column]) -> dict[str, Column]:
    """Header text (label or alias) → column."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for text in (column.label, *column.aliases):
            lookup.setdefault(text, column)
    return lookup

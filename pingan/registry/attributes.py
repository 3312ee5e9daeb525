"""Validating and displaying a card's typed attributes (the field lists in `kinds.py`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pingan.core.idnumber import normalize_id_number
from pingan.core.masking import mask_id_number, mask_phone
from pingan.registry.codes import Labels, label_of
from pingan.registry.keys import normalize_phone
from pingan.registry.kinds import AttrField, FieldType, KindSpec, Mask

TRUE_WORDS = {"true", "1", "是", "有", "yes", "y"}
FALSE_WORDS = {"false", "0", "否", "无", "no", "n"}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as exc:
        raise ValidationError(_("日期格式应为 YYYY-MM-DD。")) from exc


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValidationError(_("请填写“是”或“否”。"))


def _int(value: Any, spec: AttrField) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("应为整数。"))
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError(_("应为整数。")) from exc
    if not spec.min_value <= number <= spec.max_value:
        raise ValidationError(
            _("应在 %(low)d 到 %(high)d 之间。") % {"low": spec.min_value, "high": spec.max_value}
        )
    return number


def _code(value: Any, spec: AttrField, valid: Labels) -> str:
    text = str(value).strip()
    allowed = valid.get(spec.code_table, {})
    if text in allowed:
        return text
    by_label = {label: code for code, label in allowed.items()}
    if text in by_label:  # imports and forms may send the Chinese label
        return by_label[text]
    raise ValidationError(
        _("“%(value)s”不是代码表“%(table)s”中的有效值。") % {"value": text, "table": spec.label}
    )


def _codes(value: Any, spec: AttrField, valid: Labels) -> list[str]:
    items = value if isinstance(value, list) else str(value).replace("｜", "|").split("|")
    codes = [_code(item, spec, valid) for item in items if str(item).strip()]
    return list(dict.fromkeys(codes))


def _text(value: Any, spec: AttrField) -> str:
    if not isinstance(value, str | int):
        raise ValidationError(_("应为文本。"))
    text = str(value).strip()
    if len(text) > spec.max_length:
        raise ValidationError(_("不能超过 %(n)d 个字。") % {"n": spec.max_length})
    if spec.mask == Mask.ID_NUMBER:
        return normalize_id_number(text)
    if spec.mask == Mask.PHONE:
        return normalize_phone(text)
    return text


def _clean_one(spec: AttrField, value: Any, valid: Labels) -> Any:
    if spec.type == FieldType.DATE:
        return _date(value)
    if spec.type == FieldType.BOOL:
        return _bool(value)
    if spec.type == FieldType.INT:
        return _int(value, spec)
    if spec.type == FieldType.CODE:
        return _code(value, spec, valid)
    if spec.type == FieldType.CODES:
        return _codes(value, spec, valid)
    return _text(value, spec)


def clean_attributes(
    kind: KindSpec, data: Any, valid: Labels
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(clean values, errors by attribute name). Empty values are dropped; unknown names,
    wrong types, unknown codes (`valid` = active code values) and missing required
    attributes are errors. Dates are ISO strings in the result."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return {}, {"non_field_errors": [_("类型信息应为对象（字段名: 值）。")]}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in data:
        if kind.field(name) is None:
            errors[name] = [_("“%(kind)s”没有这一项。") % {"kind": kind.label}]
    for spec in kind.fields:
        value = data.get(spec.name)
        if _empty(value) or (isinstance(value, str) and not value.strip()):
            if spec.required:
                errors[spec.name] = [_("请填写%(label)s。") % {"label": spec.display_label}]
            continue
        try:
            result = _clean_one(spec, value, valid)
        except ValidationError as exc:
            errors[spec.name] = [f"{spec.display_label}：{m}" for m in exc.messages]
            continue
        if _empty(result):
            if spec.required:
                errors[spec.name] = [_("请填写%(label)s。") % {"label": spec.display_label}]
            continue
        clean[spec.name] = result
    for earlier, later in kind.date_order:
        if earlier in clean and later in clean and clean[later] < clean[earlier]:
            errors.setdefault(later, []).append(
                _("%(later)s不能早于%(earlier)s。")
                % {
                    "later": kind.field(later).display_label,
                    "earlier": kind.field(earlier).display_label,
                }
            )
    return clean, errors


def mask_value(spec: AttrField, value: Any) -> Any:
    if not value or not spec.mask:
        return value
    if spec.mask == Mask.ID_NUMBER:
        return mask_id_number(str(value))
    if spec.mask == Mask.PHONE:
        return mask_phone(str(value))
    text = str(value)  # other document numbers: keep the last four characters
    return "*" * max(len(text) - 4, 0) + text[-4:] if len(text) > 4 else "*" * len(text)


def display_attributes(
    kind: KindSpec,
    values: dict[str, Any],
    labels: Labels,
    *,
    names: set[str] | None = None,
    masked: bool = True,
) -> list[dict[str, Any]]:
    """Attributes as rows {name, label, value, display} in the kind's field order.

    `names` limits the rows (summary fields, gate fields); `masked` masks ID numbers and
    phones. `display` is the human-readable form (code labels, 是/否).
    """
    rows = []
    for spec in kind.fields:
        if names is not None and spec.name not in names:
            continue
        if spec.name not in values:
            continue
        value = values[spec.name]
        if masked:
            value = mask_value(spec, value)
        if spec.type == FieldType.CODE:
            shown = label_of(labels, spec.code_table, value) or value
        elif spec.type == FieldType.CODES:
            shown = "、".join(label_of(labels, spec.code_table, v) or v for v in value)
        elif spec.type == FieldType.BOOL:
            shown = _("是") if value else _("否")
        else:
            shown = str(value)
        rows.append(
            {"name": spec.name, "label": spec.display_label, "value": value, "display": shown}
        )
    return rows

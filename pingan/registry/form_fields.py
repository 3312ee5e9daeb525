"""Form plumbing for the registry pages: a card kind's typed attributes as form fields
(from the field lists in `kinds.py`), and posted values back into the plain dictionaries
the services take.

No validation happens here: empty strings, unknown codes and malformed dates go to the
services as typed, and their Chinese field errors come back next to the fields.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from pingan.registry.codes import Labels, code_labels
from pingan.registry.kinds import FieldType, KindSpec

ATTR_PREFIX = "attr_"
INPUTS = {
    FieldType.TEXT: "text",
    FieldType.DATE: "date",
    FieldType.BOOL: "bool",
    FieldType.INT: "number",
    FieldType.CODE: "select",
    FieldType.CODES: "checkboxes",
}
LONG_TEXT = 200  # longer texts get a whole row (textarea)


def code_choices(tables: set[str] | list[str], current: dict[str, list[str]] | None = None):
    """{table: [(code, label)]} of active codes, plus any retired code in `current`
    ({table: [codes]}) so a correction form still shows what is stored."""
    active = code_labels(set(tables), active_only=True)
    every: Labels | None = None
    result: dict[str, list[tuple[str, str]]] = {}
    for table in tables:
        options = list(active.get(table, {}).items())
        known = {code for code, _label in options}
        for code in (current or {}).get(table, []):
            if code and code not in known:
                every = every or code_labels(set(tables))
                options.append((code, every.get(table, {}).get(code, code)))
                known.add(code)
        result[table] = options
    return result


def _shown(field_type: str, value: Any) -> Any:
    if field_type == FieldType.BOOL:
        if value in (True, "true", "True", "1", "是"):
            return "true"
        if value in (False, "false", "False", "0", "否"):
            return "false"
        return ""
    if field_type == FieldType.CODES:
        return [str(v) for v in value] if isinstance(value, list) else []
    return "" if value is None else str(value)


def attribute_fields(
    spec: KindSpec, values: dict[str, Any], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """The kind's attributes as form fields, in the kind's order: {name, input_name,
    label, input (text/date/bool/number/select/checkboxes), required, max_length, wide,
    value (str, or list for checkboxes), options [(code, label)], errors}. `errors` are
    the service's, keyed ``attributes.<name>``."""
    current: dict[str, list[str]] = {}
    for field in spec.fields:
        if field.code_table:
            value = values.get(field.name)
            codes = value if isinstance(value, list) else [value] if value else []
            current.setdefault(field.code_table, []).extend(str(c) for c in codes)
    choices = code_choices({f.code_table for f in spec.fields if f.code_table}, current)
    rows = []
    for field in spec.fields:
        rows.append(
            {
                "name": field.name,
                "input_name": ATTR_PREFIX + field.name,
                "label": field.display_label,
                "input": INPUTS[field.type],
                "required": field.required,
                "max_length": field.max_length,
                "wide": (field.type == FieldType.TEXT and field.max_length > LONG_TEXT)
                or field.type == FieldType.CODES,
                "value": _shown(field.type, values.get(field.name)),
                "options": choices.get(field.code_table, []),
                "errors": errors.get(f"attributes.{field.name}", []),
            }
        )
    return rows


def posted_attributes(spec: KindSpec, post: QueryDict) -> dict[str, Any]:
    """The kind's attributes as posted: text as typed, multi-choice codes as lists; empty
    ones are dropped by the service (`clean_attributes`)."""
    data: dict[str, Any] = {}
    for field in spec.fields:
        key = ATTR_PREFIX + field.name
        if field.type == FieldType.CODES:
            data[field.name] = [v for v in post.getlist(key) if v]
        else:
            data[field.name] = post.get(key, "")
    return data


def attribute_error_keys(spec: KindSpec) -> tuple[str, ...]:
    """The error keys the attribute fields show (`attributes.<name>`)."""
    return tuple(f"attributes.{f.name}" for f in spec.fields)


def posted_version(post: QueryDict) -> int:
    """The version the form was read at; a missing or garbled one never matches."""
    raw = post.get("version", "")
    return int(raw) if raw.isdigit() else -1

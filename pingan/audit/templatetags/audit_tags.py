"""Template filters of the audit pages."""

import json

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """`{{ labels|get_item:key }}`: a dict lookup with a variable key ("" when absent)."""
    return mapping.get(key, "") if mapping else ""


@register.filter
def pretty_json(value) -> str:
    """Indented JSON for an audit record's detail (autoescaped by the template)."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)

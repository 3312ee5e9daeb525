"""Reading the code tables: valid values and their labels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pingan.registry.models import CodeValue

Labels = dict[str, dict[str, str]]


def code_labels(tables: Iterable[str], *, active_only: bool = False) -> Labels:
    """{table: {code: label}} for the given tables, in one query. Inactive values are kept
    by default so old records still show their label; validation asks for active ones."""
    tables = set(tables)
    if not tables:
        return {}
    rows = CodeValue.objects.filter(table_id__in=tables)
    if active_only:
        rows = rows.filter(active=True)
    labels: Labels = defaultdict(dict)
    for table, code, label in rows.order_by("table_id", "sort", "code").values_list(
        "table_id", "code", "label"
    ):
        labels[table][code] = label
    return dict(labels)


def label_of(labels: Labels, table: str, code: str) -> str:
    return labels.get(table, {}).get(code, "")

"""Helpers for the registry page tests: reading rows out of the rendered HTML."""

from __future__ import annotations

import re

HX = {"HTTP_HX_REQUEST": "true"}


def html_of(response) -> str:
    return response.content.decode()


def person_rows(html: str) -> list[str]:
    """Names in the people table, in order."""
    return re.findall(
        r'<tr data-person="\d+">\s*<td><a href="/registry/people/\d+/">([^<]+)</a>', html
    )


def row_ids(html: str, attribute: str) -> list[int]:
    """`data-<attribute>` values of the table rows, in order."""
    return [int(v) for v in re.findall(rf'<tr data-{attribute}="(\d+)"', html)]


def nav_urls(response) -> list[str]:
    return [item.url for item in response.context["nav_items"]]

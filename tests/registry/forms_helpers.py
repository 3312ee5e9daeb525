"""Helpers for the registry form page tests."""

from __future__ import annotations


def errors_of(html: str, field: str) -> str:
    """The error list rendered next to `field` (`id="err-<field>"`); fails when none is."""
    start = html.find(f'id="err-{field}"')
    assert start >= 0, f"no errors for {field}"
    return html[start : html.find("</ul>", start)]


def has_errors(html: str, field: str) -> bool:
    return f'id="err-{field}"' in html

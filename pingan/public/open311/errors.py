"""Open311 errors: an HTTP status plus one or more (code, description) pairs.

The spec wants the HTTP status to be right (404 unknown resource, 403 key, 400 anything
else) and allows several errors in one body; the code inside may be more specific.
"""

from __future__ import annotations


class Open311Error(Exception):
    """Raised anywhere below the views; rendered as `<errors>` / a JSON array."""

    def __init__(
        self,
        status: int,
        description: str = "",
        *,
        errors: list[tuple[int, str]] | None = None,
        retry_after: int | None = None,
        audited: bool = False,
    ) -> None:
        self.status = status
        self.errors = list(errors or [(status, description)])
        self.retry_after = retry_after
        self.audited = audited
        super().__init__("; ".join(text for _code, text in self.errors))

    @property
    def codes(self) -> list[int]:
        return [code for code, _text in self.errors]


def bad_request(description: str) -> Open311Error:
    return Open311Error(400, description)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)

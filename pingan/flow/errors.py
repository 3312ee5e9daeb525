"""Errors raised by the case engine; the API maps them to 400 / 403 / 409."""

from __future__ import annotations

from django.utils.translation import gettext as _


class FlowError(Exception):
    """Base class for case-engine errors."""


class ActionNotAllowed(FlowError):  # noqa: N818 (name fixed by the brief)
    """The action cannot be taken by this actor on this case now (HTTP 409)."""

    def __init__(self, message: str, allowed_actions: list[str]):
        super().__init__(message)
        self.message = message
        self.allowed_actions = allowed_actions


class CaseConflict(ActionNotAllowed):
    """Someone else changed the case since the actor loaded it (HTTP 409)."""

    def __init__(self, allowed_actions: list[str], state: str):
        super().__init__(_("该案件已被他人处理，请刷新后重试。"), allowed_actions)
        self.state = state


class ActionInvalid(FlowError):  # noqa: N818 (pairs with ActionNotAllowed)
    """Parameters of an allowed action are wrong; `errors` maps field → messages (HTTP 400)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

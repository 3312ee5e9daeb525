"""Turning service errors into API responses."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.response import Response

from pingan.registry.services import ConflictError, DuplicatePersonError

TAG = "基础信息"


def nested_errors(exc: ValidationError) -> dict[str, Any]:
    """{"attributes.release_date": [...]} → {"attributes": {"release_date": [...]}}."""
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    body: dict[str, Any] = {}
    for key, messages in exc.message_dict.items():
        head, _dot, tail = key.partition(".")
        if tail:
            target = body.setdefault(head, {})
            if isinstance(target, list):  # "attributes" itself also had an error
                target = body[head] = {"non_field_errors": target}
            target[tail] = messages
        elif isinstance(body.get(head), dict):
            body[head]["non_field_errors"] = messages
        else:
            body[head] = messages
    return body


def error_response(exc: Exception) -> Response:
    if isinstance(exc, DuplicatePersonError):
        body = nested_errors(exc)
        if exc.existing is not None:
            body["existing"] = {"id": exc.existing.pk, "name": exc.existing.name}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ValidationError):
        return Response(nested_errors(exc), status=status.HTTP_400_BAD_REQUEST)
    raise exc

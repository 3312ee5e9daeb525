"""API conventions shared by every app."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler; field errors stay keyed by field, others get a `detail` message."""
    return drf_exception_handler(exc, context)

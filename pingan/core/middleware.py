"""Request guards shared by every page and API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

JSON_PREFIXES = ("/api/", "/open311/")


class NulQueryMiddleware:
    """Answer 400 to a query string carrying a NUL character (`%00`).

    No legitimate parameter contains one, and views pass many parameters straight into
    filters: PostgreSQL refuses NUL in text and the query would fail as a 500. Django's and
    DRF's form fields already refuse NUL in bodies; this covers the query string once for all
    views instead of in each.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _query_has_nul(request):
            message = _("请求参数中含有非法字符（NUL）。")
            if request.path.startswith(JSON_PREFIXES):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _query_has_nul(request: HttpRequest) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )

"""A throwaway urlconf for the scope tests: region pages guarded by the scope module, in
front of the real site (so middleware and login pages behave as in production)."""

from django.http import JsonResponse
from django.urls import path
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from pingan.accounts.scope import (
    ActorRequired,
    ReadOnlyForLeaders,
    access_region,
    actor_for_request,
    require_write,
)
from pingan.regions.models import Region
from pingan.urls import urlpatterns as site_urls


def region_page(request):
    region = access_region(actor_for_request(request), request.GET.get("code", ""))
    return JsonResponse({"code": region.code, "name": region.name})


class RegionApi(APIView):
    permission_classes = [IsAuthenticated, ActorRequired, ReadOnlyForLeaders]

    def get(self, request, code):
        region = access_region(request.actor, code)
        return Response({"code": region.code, "name": region.name})

    def post(self, request, code):
        parent = access_region(request.actor, code)
        require_write(request.actor)
        child = Region.objects.create(
            code=parent.code + "999",
            name=request.data.get("name", "新区划"),
            level="village",
            parent=parent,
        )
        return Response({"code": child.code}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("t/regions/", region_page),
    path("t/api/regions/<str:code>/", RegionApi.as_view()),
    *site_urls,
]

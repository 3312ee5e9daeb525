"""Organizations, places and protected lines API: list (scoped) and register."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.registry.api.common import TAG, error_response
from pingan.registry.api.people import ERRORS
from pingan.registry.models import (
    Organization,
    OrganizationKind,
    Place,
    PlaceKind,
    Route,
    RouteKind,
)
from pingan.registry.selectors import visible_units
from pingan.registry.services import organization_create, place_create, route_create

COMMON = ("id", "kind", "name", "region_code", "attention", "version")
# Missing or blank values reach the service, which words the field errors in Chinese.
LOOSE = {f: {"allow_blank": True, "required": False} for f in ("name", "region_code")}


class OrganizationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)

    class Meta:
        model = Organization
        fields = [
            *COMMON,
            "credit_code",
            "address",
            "legal_representative",
            "security_contact",
        ]
        read_only_fields = ["id", "version"]
        extra_kwargs = LOOSE


class PlaceSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=PlaceKind.choices)

    class Meta:
        model = Place
        fields = [*COMMON, "address", "principal"]
        read_only_fields = ["id", "version"]
        extra_kwargs = LOOSE


class RouteSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=RouteKind.choices)

    class Meta:
        model = Route
        fields = [*COMMON, "owner_unit", "hazard", "geometry"]
        read_only_fields = ["id", "version"]
        extra_kwargs = LOOSE


class _UnitsView(GenericAPIView):
    """GET: the units in scope (optional `kind`, `q` = part of the name); POST: register."""

    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    filter_backends: list = []
    model: type = Organization
    create = staticmethod(organization_create)

    def get(self, request):
        units = visible_units(request.actor, self.model)
        kind = request.query_params.get("kind")
        if kind:
            units = units.filter(kind=kind)
        q = request.query_params.get("q", "").strip()[:100]
        if q:
            units = units.filter(name__contains=q)
        page = self.paginate_queryset(units)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            unit = self.create(actor=request.actor, data=dict(body.validated_data))
        except ValidationError as exc:
            return error_response(exc)
        return Response(self.get_serializer(unit).data, status=status.HTTP_201_CREATED)


LIST_PARAMS = [
    OpenApiParameter("kind", str, description="类型"),
    OpenApiParameter("q", str, description="名称包含"),
]


def _schema(name: str, serializer):
    return extend_schema(
        tags=[TAG],
        summary=name,
        parameters=LIST_PARAMS,
        responses={200: serializer(many=True), 201: serializer, **ERRORS},
    )


@_schema("组织（非公有制经济组织、社会组织）", OrganizationSerializer)
class OrganizationsView(_UnitsView):
    serializer_class = OrganizationSerializer
    model = Organization
    create = staticmethod(organization_create)


@_schema("场所（学校、寄递物流、重点场所）", PlaceSerializer)
class PlacesView(_UnitsView):
    serializer_class = PlaceSerializer
    model = Place
    create = staticmethod(place_create)


@_schema("护路护线路线", RouteSerializer)
class RoutesView(_UnitsView):
    serializer_class = RouteSerializer
    model = Route
    create = staticmethod(route_create)

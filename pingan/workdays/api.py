"""Calendar API (read-only, any signed-in user): a year's schedule and deadline arithmetic."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pingan.workdays import calendar, selectors
from pingan.workdays.calendar import TZ
from pingan.workdays.importing import MAX_YEAR, MIN_YEAR


class SpecialDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=["holiday", "workday"])
    name = serializers.CharField()


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["official", "provisional"])
    source = serializers.ChoiceField(choices=["chinesecalendar", "admin", "import", "rules"])
    entered_at = serializers.DateTimeField(allow_null=True)
    special_days = SpecialDaySerializer(many=True)


class AddWorkingDaysQuery(serializers.Serializer):
    start = serializers.CharField(help_text=_("ISO 8601 日期或时间；不带时区的时间按北京时间理解"))
    days = serializers.IntegerField(min_value=0, max_value=calendar.MAX_DAYS)

    def validate_start(self, value: str) -> dt.datetime | dt.date:
        text = value.strip()
        if "T" not in text:
            text = text.replace(" ", "T", 1)
        text = text.replace(" ", "+")  # an unencoded "+08:00" arrives as " 08:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise serializers.ValidationError(
                _("无法识别的时间，应为 ISO 8601，如 2025-09-30 或 2025-09-30T10:00:00+08:00")
            ) from None
        if len(text) == 10:  # a plain date
            return parsed.date()
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)


class DeadlineSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField()
    provisional = serializers.BooleanField()
    provisional_years = serializers.ListField(child=serializers.IntegerField())


class CalendarYearView(APIView):
    """A year's status and its holidays and make-up workdays."""

    @extend_schema(responses=YearSerializer, summary="年度节假日安排")
    def get(self, request: Request, year: int) -> Response:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise Http404
        summary = selectors.year_summary(year)
        data = {
            "year": year,
            "status": summary.status,
            "source": summary.source,
            "entered_at": summary.entered_at,
            "special_days": selectors.special_days(year),
        }
        return Response(YearSerializer(data).data)


class AddWorkingDaysView(APIView):
    """End of the Nth working day after `start` (23:59:59 Beijing time)."""

    @extend_schema(
        parameters=[AddWorkingDaysQuery], responses=DeadlineSerializer, summary="加 N 个工作日"
    )
    def get(self, request: Request) -> Response:
        query = AddWorkingDaysQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        deadline = calendar.add_working_days(
            query.validated_data["start"], query.validated_data["days"]
        )
        return Response(
            DeadlineSerializer(
                {
                    "due_at": deadline.due_at,
                    "provisional": deadline.provisional,
                    "provisional_years": list(deadline.provisional_years),
                }
            ).data
        )

from django.urls import path

from pingan.workdays import api

urlpatterns = [
    path("calendar/<int:year>/", api.CalendarYearView.as_view(), name="api-calendar-year"),
    path(
        "calendar/add-working-days/",
        api.AddWorkingDaysView.as_view(),
        name="api-calendar-add-working-days",
    ),
]

from django.urls import path

from pingan.events import api

urlpatterns = [
    path("events/categories/", api.CategoryListView.as_view(), name="api-event-categories"),
    path("events/", api.EventReportView.as_view(), name="api-event-report"),
]

from django.urls import path

from pingan.notify import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="api-notification-list"),
    path("notifications/read/", api.NotificationReadView.as_view(), name="api-notification-read"),
]

"""In-app notification centre and preferences (`/notifications/`)."""

from django.urls import path

from pingan.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.centre_page, name="centre"),
    path("read/", views.mark_read_view, name="read"),
    path("<int:pk>/open/", views.open_view, name="open"),
    path("preferences/", views.preferences_page, name="preferences"),
]

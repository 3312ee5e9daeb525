"""URLs of the hotline operator page (/hotline/)."""

from django.urls import path

from pingan.public.hotline import views

app_name = "hotline"

urlpatterns = [
    path("", views.page, name="page"),
    path("hints/", views.hints, name="hints"),
    path("history/", views.history, name="history"),
    path("contacts/", views.contacts, name="contacts"),
]

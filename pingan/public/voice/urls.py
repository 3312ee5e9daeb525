"""URLs of the public voice channel (mounted at /public/voice/)."""

from django.urls import path

from pingan.public.voice import views

app_name = "voice"

urlpatterns = [
    path("query/", views.query, name="query"),
]

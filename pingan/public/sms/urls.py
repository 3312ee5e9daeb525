"""URLs of the public sms channel (mounted at /public/sms/)."""

from django.urls import path

from pingan.public.sms import views

app_name = "sms"

urlpatterns = [
    path("inbound/", views.inbound, name="inbound"),
]

from django.urls import path

from pingan.public.hotline import api

urlpatterns = [
    path("hotline/grid-contact/", api.GridContactView.as_view(), name="api-hotline-grid-contact"),
]

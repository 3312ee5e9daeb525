"""REST API v1: each app contributes its own `api_urls` module."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("pingan.accounts.api_urls")),
    path("", include("pingan.regions.api_urls")),
    path("", include("pingan.workdays.api_urls")),
    path("", include("pingan.flow.api_urls")),
    path("", include("pingan.events.api_urls")),
    path("", include("pingan.registry.api_urls")),
    path("", include("pingan.mobile.api_urls")),
    path("", include("pingan.notify.api_urls")),
    path("", include("pingan.public.hotline.api_urls")),
]

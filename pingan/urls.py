from django.contrib import admin
from django.urls import include, path

from pingan.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("pingan.api_urls")),
    path("accounts/", include("pingan.accounts.urls")),
    path("audit/", include("pingan.audit.urls")),
    path("calendar/", include("pingan.workdays.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("m/", include("pingan.mobile.urls")),
    path("command/", include("pingan.command.urls")),
    path("registry/", include("pingan.registry.urls")),
    path("portal/", include("pingan.public.portal.urls")),
    path("open311/v2/", include("pingan.public.open311.urls")),
    path("public/sms/", include("pingan.public.sms.urls")),
    path("public/voice/", include("pingan.public.voice.urls")),
    path("hotline/", include("pingan.public.hotline.urls")),
    path("callbacks/", include("pingan.public.callbacks.urls")),
    path("notifications/", include("pingan.notify.urls")),
    path("", include("pingan.web.urls")),
]

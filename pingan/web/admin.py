"""Django admin branding: the admin is the system administrators' screen, in Chinese."""

from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pingan.web.context import site_name

# Lazy, so each request's language applies; the site name is lazy too when it is the default.
_SITE_NAME = site_name()
admin.site.site_header = format_lazy("{} {}", _SITE_NAME, _("管理后台"))
admin.site.site_title = format_lazy("{} {}", _SITE_NAME, _("管理后台"))
admin.site.index_title = _("系统管理")

"""Django admin branding and contents: the system administrators' screen, in Chinese.

Access rules live in `pingan.web.adminsite` and `pingan.accounts.adminaccess`.
"""

from django.contrib import admin
from django.contrib.auth.models import Group
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from pingan.web.context import site_name

# Lazy, so each request's language applies; the site name is lazy too when it is the default.
_SITE_NAME = site_name()
admin.site.site_header = format_lazy("{} {}", _SITE_NAME, _("管理后台"))
admin.site.site_title = format_lazy("{} {}", _SITE_NAME, _("管理后台"))
admin.site.index_title = _("系统管理")

# Permissions come from positions, not Django groups. API tokens are credentials: they are
# issued only by POST /api/v1/auth/token/ (password and second factor), never by an admin.
# This app is listed after auth and authtoken, so their registrations exist by now.
admin.site.unregister(Group)
admin.site.unregister(TokenProxy)

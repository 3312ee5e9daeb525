from django.urls import path

from pingan.accounts import views, views_2fa, views_security

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("position/", views.position_view, name="position"),
    path("2fa/setup/", views_2fa.setup_view, name="2fa-setup"),
    path("2fa/verify/", views_2fa.verify_view, name="2fa-verify"),
    path("2fa/recovery-codes/", views_2fa.recovery_codes_view, name="2fa-recovery-codes"),
    path("security/", views_security.security_view, name="security"),
    path("security/unlock/", views_security.unlock_view, name="security-unlock"),
    path("security/reset-2fa/", views_security.reset_2fa_view, name="security-reset-2fa"),
]

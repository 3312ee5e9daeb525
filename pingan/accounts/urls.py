from django.urls import path

from pingan.accounts import views, views_2fa

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("position/", views.position_view, name="position"),
    path("2fa/setup/", views_2fa.setup_view, name="2fa-setup"),
    path("2fa/verify/", views_2fa.verify_view, name="2fa-verify"),
    path("2fa/recovery-codes/", views_2fa.recovery_codes_view, name="2fa-recovery-codes"),
]

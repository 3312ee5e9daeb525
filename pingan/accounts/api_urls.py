from django.urls import path

from pingan.accounts import api

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-auth-token"),
    path("auth/logout/", api.LogoutView.as_view(), name="api-auth-logout"),
    path("me/", api.MeView.as_view(), name="api-me"),
]

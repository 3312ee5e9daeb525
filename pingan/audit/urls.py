from django.urls import path

from pingan.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("verify/", views.verify, name="verify"),
    path("export.csv", views.export_csv, name="export"),
]

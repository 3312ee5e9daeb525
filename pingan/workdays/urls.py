"""Calendar admin pages, mounted at /calendar/."""

from django.urls import path

from pingan.workdays import views

app_name = "workdays"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_preview, name="import-preview"),
    path("import/confirm/", views.import_confirm, name="import-confirm"),
    path("<int:year>/", views.year_detail, name="year"),
    path("<int:year>/day/", views.day_edit, name="day-edit"),
    path("<int:year>/confirm/", views.year_confirm, name="year-confirm"),
    path("<int:year>/export.csv", views.year_export, name="year-export"),
]

from django.urls import path

from pingan.mobile import views

app_name = "mobile"

urlpatterns = [
    path("", views.my_grid, name="home"),
    path("report/", views.report, name="report"),
    path("tasks/", views.tasks, name="tasks"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_new, name="person-new"),
    path("houses/", views.houses, name="houses"),
    path("visit/", views.visit, name="visit"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
]

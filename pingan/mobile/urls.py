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
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
]

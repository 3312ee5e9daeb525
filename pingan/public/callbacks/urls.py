"""URLs of the callback (回访) queue (/callbacks/)."""

from django.urls import path

from pingan.public.callbacks import views

app_name = "callbacks"

urlpatterns = [
    path("", views.queue_page, name="queue"),
    path("<str:number>/", views.case_page, name="case"),
    path("<str:number>/record/", views.record, name="record"),
    path("<str:number>/reveal/", views.reveal, name="reveal"),
    path("<str:number>/survey/", views.survey, name="survey"),
]

from django.urls import path

from pingan.command import disputes, views

app_name = "command"

urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("cases/<str:number>/", views.case_page, name="case"),
    path("cases/<str:number>/act/", views.case_act_view, name="act"),
    path(
        "cases/<str:number>/dispute/mediations/",
        disputes.dispute_step_view,
        {"step": "mediation"},
        name="dispute-mediation",
    ),
    path(
        "cases/<str:number>/dispute/agreement/",
        disputes.dispute_step_view,
        {"step": "agreement"},
        name="dispute-agreement",
    ),
    path(
        "cases/<str:number>/dispute/agreement/confirm/",
        disputes.dispute_step_view,
        {"step": "agreement_confirm"},
        name="dispute-confirm",
    ),
    path("map/", views.map_page, name="map"),
    path("map/events.geojson", views.map_events, name="map-events"),
    path("supervision/", views.supervision_page, name="supervision"),
]

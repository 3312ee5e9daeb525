"""URLs of the citizen portal (/portal/): public pages, no login."""

from django.urls import path

from pingan.public.portal import track, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/done/", views.done, name="done"),
    path("map/counties.geojson", views.counties_geojson, name="counties"),
    path("track/", track.track, name="track"),
    path("track/phone/", track.otp_send, name="otp_send"),
    path("track/verify/", track.otp_verify_page, name="otp_verify"),
    path("track/leave/", track.leave, name="leave"),
    path("mine/", track.mine, name="mine"),
    path("case/<str:number>/", track.case_detail, name="case"),
    path("case/<str:number>/rate/", track.rate, name="rate"),
    path("case/<str:number>/reopen/", track.reopen, name="reopen"),
    path("case/<str:number>/photos/<int:pk>/", track.photo, name="photo"),
    path("r/<str:token>/", track.survey, name="survey"),
]

from django.urls import path

from pingan.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("map/grids.geojson", views.grids_geojson, name="grids-geojson"),
]

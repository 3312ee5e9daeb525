from django.urls import path

from pingan.regions import api

urlpatterns = [
    path("regions/", api.RegionListView.as_view(), name="api-region-list"),
    path("regions/<str:code>/", api.RegionDetailView.as_view(), name="api-region-detail"),
    path("grids/lookup/", api.GridLookupView.as_view(), name="api-grid-lookup"),
]

from django.urls import path

from pingan.mobile import api

urlpatterns = [
    path("mobile/snapshot/", api.SnapshotView.as_view(), name="api-mobile-snapshot"),
    path("mobile/people/<int:person_id>/", api.PersonView.as_view(), name="api-mobile-person"),
    path("mobile/map/", api.MapView.as_view(), name="api-mobile-map"),
]

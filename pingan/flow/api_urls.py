from django.urls import path

from pingan.flow.api import views

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="api-case-list"),
    path("cases/<str:number>/", views.CaseDetailView.as_view(), name="api-case-detail"),
    path("cases/<str:number>/actions/", views.CaseActionView.as_view(), name="api-case-actions"),
]

from django.urls import path

from pingan.events import api, api_attachments, api_disputes, api_duplicates

urlpatterns = [
    path("events/categories/", api.CategoryListView.as_view(), name="api-event-categories"),
    path("events/", api.EventReportView.as_view(), name="api-event-report"),
    path(
        "disputes/categories/",
        api_disputes.DisputeCategoryListView.as_view(),
        name="api-dispute-categories",
    ),
    path("disputes/", api_disputes.DisputeReportView.as_view(), name="api-dispute-report"),
    path(
        "cases/<str:number>/mediations/",
        api_disputes.MediationView.as_view(),
        name="api-case-mediations",
    ),
    path(
        "cases/<str:number>/agreement/",
        api_disputes.AgreementView.as_view(),
        name="api-case-agreement",
    ),
    path(
        "cases/<str:number>/attachments/",
        api_attachments.CaseAttachmentsView.as_view(),
        name="api-case-attachments",
    ),
    path(
        "attachments/<int:pk>/",
        api_attachments.AttachmentDownloadView.as_view(),
        name="api-attachment-download",
    ),
    path(
        "cases/<str:number>/duplicates/",
        api_duplicates.DuplicatesView.as_view(),
        name="api-case-duplicates",
    ),
    path("cases/<str:number>/merge/", api_duplicates.MergeView.as_view(), name="api-case-merge"),
]

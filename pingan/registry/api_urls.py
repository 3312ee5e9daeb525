from django.urls import path

from pingan.registry.api import cards, kinds, people, transfer, units, visit_photos
from pingan.registry.api import collision as collision_api
from pingan.registry.api import dedup as dedup_api
from pingan.registry.api import moves as moves_api

urlpatterns = [
    path("people/", people.PeopleView.as_view(), name="api-people"),
    path("people/<int:person_id>/", people.PersonDetailView.as_view(), name="api-person"),
    path(
        "people/<int:person_id>/reveal/",
        people.PersonRevealView.as_view(),
        name="api-person-reveal",
    ),
    path(
        "people/<int:person_id>/cards/", people.PersonCardsView.as_view(), name="api-person-cards"
    ),
    path("cards/overdue/", cards.OverdueCardsView.as_view(), name="api-cards-overdue"),
    path("cards/<int:card_id>/", cards.CardDetailView.as_view(), name="api-card"),
    path("cards/<int:card_id>/close/", cards.CardCloseView.as_view(), name="api-card-close"),
    path("cards/<int:card_id>/reveal/", cards.CardRevealView.as_view(), name="api-card-reveal"),
    path("cards/<int:card_id>/visits/", cards.CardVisitsView.as_view(), name="api-card-visits"),
    path(
        "visits/<int:visit_id>/photos/",
        visit_photos.VisitPhotosView.as_view(),
        name="api-visit-photos",
    ),
    path(
        "visit-photos/<int:photo_id>/",
        visit_photos.VisitPhotoFileView.as_view(),
        name="api-visit-photo",
    ),
    path("houses/", cards.HousesView.as_view(), name="api-houses"),
    path("houses/<int:house_id>/reveal/", cards.HouseRevealView.as_view(), name="api-house-reveal"),
    path("organizations/", units.OrganizationsView.as_view(), name="api-organizations"),
    path("places/", units.PlacesView.as_view(), name="api-places"),
    path("routes/", units.RoutesView.as_view(), name="api-routes"),
    path("registry/kinds/", kinds.KindsView.as_view(), name="api-registry-kinds"),
    path(
        "registry/overdue-counts/",
        cards.OverdueCountsView.as_view(),
        name="api-registry-overdue-counts",
    ),
    # Import and export (spreadsheets).
    path(
        "registry/templates/<str:kind>.xlsx",
        transfer.TemplateXlsxView.as_view(),
        name="api-registry-template",
    ),
    path(
        "registry/templates/<str:kind>.csv",
        transfer.TemplateCsvView.as_view(),
        name="api-registry-template-csv",
    ),
    path("registry/imports/", transfer.ImportsView.as_view(), name="api-registry-imports"),
    path(
        "registry/imports/<int:import_id>/",
        transfer.ImportDetailView.as_view(),
        name="api-registry-import",
    ),
    path(
        "registry/imports/<int:import_id>/errors.xlsx",
        transfer.ImportErrorsView.as_view(),
        name="api-registry-import-errors",
    ),
    path(
        "registry/exports/people.xlsx",
        transfer.ExportPeopleView.as_view(),
        name="api-registry-export-people",
    ),
    # Collision comparison (碰撞比对).
    path(
        "registry/collisions/",
        collision_api.CollisionsView.as_view(),
        name="api-registry-collisions",
    ),
    # Moves between grids, villages and counties (人员迁移交接) and 漏管 people.
    path(
        "people/<int:person_id>/move/", moves_api.PersonMoveView.as_view(), name="api-person-move"
    ),
    path("registry/moves/", moves_api.MovesView.as_view(), name="api-registry-moves"),
    path(
        "registry/unmanaged/",
        moves_api.UnmanagedPeopleView.as_view(),
        name="api-registry-unmanaged",
    ),
    # Duplicate people (重复人员查找与合并).
    path(
        "registry/duplicates/",
        dedup_api.DuplicatesView.as_view(),
        name="api-registry-duplicates",
    ),
    path(
        "registry/duplicates/merge/",
        dedup_api.DuplicateMergeView.as_view(),
        name="api-registry-duplicate-merge",
    ),
]

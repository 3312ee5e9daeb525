"""Registry web pages (`/registry/`)."""

from django.urls import path

from pingan.registry.views import cards, collision, houses, imports, people

app_name = "registry"

urlpatterns: list = []

# Operator pages: people, cards and visits, houses and units, imports, collision.
urlpatterns += [
    path("", people.people_page, name="people"),
    path("people/export/", people.people_export, name="people-export"),
    path("people/<int:person_id>/", people.person_page, name="person"),
    path("people/<int:person_id>/reveal/", people.person_reveal_view, name="person-reveal"),
    path("cards/<int:card_id>/", cards.card_page, name="card"),
    path("cards/<int:card_id>/visits/", cards.visit_create, name="card-visit"),
    path("cards/<int:card_id>/reveal/", cards.card_reveal_view, name="card-reveal"),
    path("overdue/", cards.overdue_page, name="overdue"),
    path("houses/", houses.houses_page, name="houses"),
    path("houses/<int:house_id>/", houses.house_page, name="house"),
    path("houses/<int:house_id>/reveal/", houses.house_reveal_view, name="house-reveal"),
    path("organizations/", houses.organizations_page, name="organizations"),
    path("places/", houses.places_page, name="places"),
    path("imports/", imports.imports_page, name="imports"),
    path(
        "imports/templates/<slug:kind>.xlsx",
        imports.import_template,
        {"fmt": "xlsx"},
        name="import-template",
    ),
    path(
        "imports/templates/<slug:kind>.csv",
        imports.import_template,
        {"fmt": "csv"},
        name="import-template-csv",
    ),
    path("imports/<int:import_id>/", imports.import_page, name="import"),
    path("imports/<int:import_id>/commit/", imports.import_commit_view, name="import-commit"),
    path("imports/<int:import_id>/recheck/", imports.import_recheck_view, name="import-recheck"),
    path("imports/<int:import_id>/errors.xlsx", imports.import_errors, name="import-errors"),
    path("collision/", collision.collision_page, name="collision"),
    path("collision/export.xlsx", collision.collision_export, name="collision-export"),
]

# Duplicate people (重复人员查找与合并).
from pingan.registry import views_dedup  # noqa: E402

urlpatterns += [
    path("duplicates/", views_dedup.duplicates_page, name="duplicates"),
    path("duplicates/merge/", views_dedup.duplicate_merge_page, name="duplicate_merge"),
]

# Entry and correction forms (新增/修改 人员、房屋、组织、场所、护路护线; 列管/修改/注销 类型卡).
from pingan.registry.views import card_forms, people_forms, unit_forms  # noqa: E402

urlpatterns += [
    path("people/new/", people_forms.person_new, name="person-new"),
    path("people/<int:person_id>/edit/", people_forms.person_edit, name="person-edit"),
    path("people/<int:person_id>/cards/new/", card_forms.card_new, name="card-new"),
    path("people/options/", unit_forms.owner_options, name="owner-options"),
    path("cards/<int:card_id>/edit/", card_forms.card_edit, name="card-edit"),
    path("cards/<int:card_id>/close/", card_forms.card_close_view, name="card-close"),
    path("houses/new/", unit_forms.house_new, name="house-new"),
    path("houses/options/", people_forms.house_options, name="house-options"),
    path("houses/<int:house_id>/edit/", unit_forms.house_edit, name="house-edit"),
    path("organizations/new/", unit_forms.organization_new, name="organization-new"),
    path(
        "organizations/<int:unit_id>/edit/",
        unit_forms.organization_edit,
        name="organization-edit",
    ),
    path("places/new/", unit_forms.place_new, name="place-new"),
    path("places/<int:unit_id>/edit/", unit_forms.place_edit, name="place-edit"),
    path("routes/", houses.routes_page, name="routes"),
    path("routes/new/", unit_forms.route_new, name="route-new"),
    path("routes/<int:unit_id>/edit/", unit_forms.route_edit, name="route-edit"),
]

"""Registry tables: people, houses, organizations, places, routes, cards, visits, codes."""

from pingan.registry.models.cards import Card, CardStatus
from pingan.registry.models.codes import CodeTable, CodeValue
from pingan.registry.models.imports import ImportStatus, RegistryImport
from pingan.registry.models.merges import PersonMerge
from pingan.registry.models.moves import MoveStatus, PersonMove
from pingan.registry.models.people import House, Person
from pingan.registry.models.photos import VisitPhoto
from pingan.registry.models.submissions import RegistrySubmission
from pingan.registry.models.units import (
    Organization,
    OrganizationKind,
    Place,
    PlaceKind,
    Route,
    RouteKind,
)
from pingan.registry.models.visits import Visit, VisitRule

__all__ = [
    "Card",
    "CardStatus",
    "CodeTable",
    "CodeValue",
    "House",
    "ImportStatus",
    "MoveStatus",
    "Organization",
    "OrganizationKind",
    "Person",
    "PersonMerge",
    "PersonMove",
    "Place",
    "PlaceKind",
    "RegistryImport",
    "RegistrySubmission",
    "Route",
    "RouteKind",
    "Visit",
    "VisitPhoto",
    "VisitRule",
]

"""Registry writes (DESIGN §8): one transaction each, audited, actor passed explicitly."""

from pingan.registry.services.cards import card_close, card_open, card_update
from pingan.registry.services.common import ConflictError, require_registry_write
from pingan.registry.services.houses import house_create, house_update
from pingan.registry.services.people import DuplicatePersonError, person_create, person_update
from pingan.registry.services.units import (
    organization_create,
    organization_update,
    place_create,
    place_update,
    route_create,
    route_update,
)
from pingan.registry.services.visits import visit_record

__all__ = [
    "ConflictError",
    "DuplicatePersonError",
    "card_close",
    "card_open",
    "card_update",
    "house_create",
    "house_update",
    "organization_create",
    "organization_update",
    "person_create",
    "person_update",
    "place_create",
    "place_update",
    "require_registry_write",
    "route_create",
    "route_update",
    "visit_record",
]

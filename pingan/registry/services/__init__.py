"""Registry writes (DESIGN §8): one transaction each, audited, actor passed explicitly."""

from pingan.registry.services.cards import card_close, card_open, card_update
from pingan.registry.services.common import ConflictError, require_registry_write
from pingan.registry.services.houses import house_create
from pingan.registry.services.people import DuplicatePersonError, person_create, person_update
from pingan.registry.services.units import organization_create, place_create, route_create
from pingan.registry.services.visits import visit_record

__all__ = [
    "ConflictError",
    "DuplicatePersonError",
    "card_close",
    "card_open",
    "card_update",
    "house_create",
    "organization_create",
    "person_create",
    "person_update",
    "place_create",
    "require_registry_write",
    "route_create",
    "visit_record",
]

import pytest

from pingan.regions.lookup import reset_grid_index
from tests.flow.factories import build_world


@pytest.fixture
def world(db):
    yield build_world()
    reset_grid_index()


def give_phone(actor, phone: str = "13900001111"):
    """Put a mobile number on an actor's account (as an admin would)."""
    from pingan.core.phones import phone_hash

    user = actor.user
    user.phone, user.phone_hash = phone, phone_hash(phone)
    user.save(update_fields=["phone", "phone_hash"])
    return actor

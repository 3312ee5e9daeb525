import pytest

from pingan.regions.lookup import reset_grid_index
from tests.command.factories import build_cases
from tests.flow.factories import build_world


@pytest.fixture
def world(db):
    yield build_world()
    reset_grid_index()  # the index holds this test's grids; do not leak them


@pytest.fixture
def cases(world):
    return build_cases(world)

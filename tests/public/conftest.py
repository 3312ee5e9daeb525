import pytest

from pingan.regions.lookup import reset_grid_index
from tests.flow.factories import build_world


@pytest.fixture
def world(db):
    yield build_world()
    reset_grid_index()

import pytest

from tests.flow.factories import build_world


@pytest.fixture
def world(db):
    return build_world()

import pytest

from pingan.regions.lookup import reset_grid_index


@pytest.fixture(autouse=True)
def _fresh_grid_index(settings):
    """Each test starts without a cached index and checks the version stamp on every lookup."""
    settings.PINGAN_GRID_INDEX_CHECK_SECONDS = 0
    reset_grid_index()
    yield
    reset_grid_index()

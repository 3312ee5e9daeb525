import pytest
from django.test import Client

from pingan.regions.lookup import reset_grid_index
from tests.accounts.factories import sign_in
from tests.flow.factories import build_world


@pytest.fixture
def world(db):
    yield build_world()
    reset_grid_index()  # the index holds this test's grids; do not leak them


@pytest.fixture
def worker_client(world):
    """The G1 grid worker signed in, with CSRF enforced as in a browser."""
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.grid_worker)
    return client


@pytest.fixture
def static_served(settings):
    """Serve /static/ from the app directories as the dev server does (tests run with
    DEBUG=False and no collectstatic); each test client builds its own WhiteNoise."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

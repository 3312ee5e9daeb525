import pytest
from huey.contrib.djhuey import HUEY


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Every test gets its own key file, and Huey tasks run inline.

    The djhuey instance is built at import time, so the HUEY setting cannot switch it to
    immediate mode; flip the instance itself.
    """
    settings.PINGAN_DATA_KEY = ""
    settings.PINGAN_DATA_KEY_FILE = tmp_path / "data-key.txt"
    from pingan.core.crypto import reset_keyring_cache
    from pingan.workdays import calendar

    previous_immediate = HUEY.immediate
    HUEY.immediate = True
    reset_keyring_cache()
    calendar.reset_cache()
    yield
    reset_keyring_cache()
    calendar.reset_cache()
    HUEY.immediate = previous_immediate

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Every test gets its own PINGAN_HOME-like dir for key files and exports."""
    settings.PINGAN_DATA_KEY = ""
    settings.PINGAN_DATA_KEY_FILE = tmp_path / "data-key.txt"
    settings.HUEY = {**settings.HUEY, "immediate": True}
    from pingan.core.crypto import reset_keyring_cache

    reset_keyring_cache()
    yield
    reset_keyring_cache()

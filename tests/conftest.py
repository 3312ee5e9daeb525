import pytest
from django.conf import settings as django_settings
from django.utils import translation
from huey.contrib.djhuey import HUEY

ARGON2_FIRST = list(django_settings.PASSWORD_HASHERS)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs ~0.2 s per hash by design and tests create many users; a test about the
    production hasher asks for the `argon2_hashing` fixture."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *ARGON2_FIRST]


@pytest.fixture
def argon2_hashing(settings):
    settings.PASSWORD_HASHERS = ARGON2_FIRST


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Every test gets its own key file and fresh caches, and Huey tasks run inline.

    The djhuey instance is built at import time, so the HUEY setting cannot switch it to
    immediate mode; flip the instance itself.
    """
    settings.PINGAN_DATA_KEY = ""
    settings.PINGAN_DATA_KEY_FILE = tmp_path / "data-key.txt"
    from pingan.core.crypto import reset_keyring_cache
    from pingan.events.selectors import reset_category_cache
    from pingan.flow.catalogue import reset_limit_cache
    from pingan.regions.lookup import reset_grid_index
    from pingan.registry.dedup.selectors import reset_dedup_cache
    from pingan.workdays import calendar

    caches = (
        reset_keyring_cache,
        calendar.reset_cache,
        reset_grid_index,
        reset_category_cache,
        reset_limit_cache,
        reset_dedup_cache,
    )

    previous_immediate = HUEY.immediate
    HUEY.immediate = True
    # Per-process caches must not leak one test's database state into the next.
    for reset in caches:
        reset()
    yield
    for reset in caches:
        reset()
    HUEY.immediate = previous_immediate
    # The language middleware activates the request's language for the thread; a test that
    # ends on an English page must not make the next test's messages English.
    translation.activate(django_settings.LANGUAGE_CODE)

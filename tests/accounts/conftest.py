import pytest
from django.conf import settings as django_settings

ARGON2_FIRST = list(django_settings.PASSWORD_HASHERS)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs ~0.2 s per hash by design; these tests create hundreds of users. A test
    about the production hasher asks for `argon2_hashing`."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *ARGON2_FIRST]


@pytest.fixture
def argon2_hashing(settings):
    settings.PASSWORD_HASHERS = ARGON2_FIRST

"""Fixtures of the assessment tests."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Factories set a password on every user: a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

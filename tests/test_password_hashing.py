"""Passwords stored with Argon2id at OWASP's parameters (org.hashers), and the PBKDF2 hashes
written before it rehashed at their owner's next sign-in through the login page.

The test settings hash with MD5 for speed; every test here runs with the hashers a
deployment has (config.settings.base)."""

import functools

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from config.settings.base import PASSWORD_HASHERS as DEPLOYED_HASHERS
from org.hashers import OwaspArgon2PasswordHasher
from org.services.tokens import system_account_create
from tests.conftest import PASSWORD, make_user

ARGON2ID_OWASP = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture(autouse=True)
def _deployed_hashers(settings):
    settings.PASSWORD_HASHERS = DEPLOYED_HASHERS


@functools.cache
def pbkdf2_hash():
    """A hash as Django's default wrote them until now (1,000,000 rounds): computed once, it
    takes a third of a second."""
    return make_password(PASSWORD, hasher="pbkdf2_sha256")


def stored(user):
    user.refresh_from_db(fields=["password"])
    return user.password


def post_login(username, password, client=None):
    client = client or Client()
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.8")


def test_a_new_password_is_stored_as_argon2id_at_owasp_parameters(world):
    user = make_user("reviewer", world.water_bureau, "reviewer")
    assert stored(user).startswith(ARGON2ID_OWASP)
    assert isinstance(identify_hasher(user.password), OwaspArgon2PasswordHasher)
    assert user.check_password(PASSWORD) and not user.check_password("wrong")


def test_the_deployed_hashers_still_verify_pbkdf2_first_after_argon2():
    assert DEPLOYED_HASHERS[0] == "org.hashers.OwaspArgon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in DEPLOYED_HASHERS
    assert identify_hasher(pbkdf2_hash()).algorithm == "pbkdf2_sha256"


def test_a_pbkdf2_hash_is_rehashed_with_argon2id_at_sign_in(world):
    user = make_user("reviewer", world.water_bureau, "reviewer")
    user.password = pbkdf2_hash()
    user.save(update_fields=["password"])
    client = Client()
    response = post_login("reviewer", PASSWORD, client)
    assert response.status_code == 302 and response.url == reverse("home")
    assert stored(user).startswith(ARGON2ID_OWASP)
    # The session made with the new hash stays valid, and the new hash signs in again.
    assert client.get(reverse("home")).status_code == 200
    assert post_login("reviewer", PASSWORD).status_code == 302
    assert stored(user).startswith(ARGON2ID_OWASP)


def test_an_argon2_hash_of_other_parameters_is_rehashed_at_sign_in(world):
    user = make_user("reviewer", world.water_bureau, "reviewer")
    # Django's own Argon2 parameters (100 MiB, 8 lanes): a change of parameters is upgraded too.
    django_default = Argon2PasswordHasher()
    user.password = django_default.encode(PASSWORD, django_default.salt())
    user.save(update_fields=["password"])
    assert "m=102400,t=2,p=8" in user.password
    assert post_login("reviewer", PASSWORD).status_code == 302
    assert stored(user).startswith(ARGON2ID_OWASP)


def test_a_wrong_password_changes_no_hash(world):
    user = make_user("reviewer", world.water_bureau, "reviewer")
    user.password = before = pbkdf2_hash()
    user.save(update_fields=["password"])
    response = post_login("reviewer", "wrong-password-2026")
    assert response.status_code == 200
    assert stored(user) == before


def test_a_system_account_is_refused_and_keeps_its_unusable_password(world):
    account = system_account_create(
        username="ledger", display_name="台账系统", role="reporter", department=world.urban_bureau
    )
    before = stored(account)
    assert not account.has_usable_password()
    for password in ("", PASSWORD, before):
        assert post_login("ledger", password).status_code == 200
    assert stored(account) == before


def test_the_deploy_check_refuses_a_hasher_whose_library_is_missing(monkeypatch):
    def hasher_errors():
        return [error.id for error in run_checks(include_deployment_checks=True) if error.id == "portal.E004"]

    assert hasher_errors() == []
    monkeypatch.setattr(OwaspArgon2PasswordHasher, "library", "argon2_not_installed")
    assert hasher_errors() == ["portal.E004"]

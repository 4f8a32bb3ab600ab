"""Encryption of API keys: authenticated, newest key encrypts, every configured key decrypts."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured

from auth_app import crypto

SECRET = "sk-ant-secret-value-1234"


def test_encrypt_returns_a_ciphertext_that_decrypts_to_the_secret():
    token = crypto.encrypt(SECRET)

    assert SECRET not in token
    assert crypto.decrypt(token) == SECRET


def test_the_newest_key_encrypts_and_old_ciphertexts_still_decrypt(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.API_KEY_ENCRYPTION_KEYS = [old]
    written_before = crypto.encrypt(SECRET)

    settings.API_KEY_ENCRYPTION_KEYS = [new, old]
    written_after = crypto.encrypt(SECRET)

    assert crypto.decrypt(written_before) == SECRET
    assert Fernet(new.encode()).decrypt(written_after.encode()).decode() == SECRET
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(written_after.encode())
    assert crypto.is_under_newest_key(written_after)
    assert not crypto.is_under_newest_key(written_before)


def test_a_ciphertext_is_unreadable_once_its_key_is_removed(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.API_KEY_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt(SECRET)

    settings.API_KEY_ENCRYPTION_KEYS = [new]

    with pytest.raises(crypto.DecryptionFailed, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_a_tampered_ciphertext_is_rejected():
    token = crypto.encrypt(SECRET)
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]

    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(tampered)


def test_without_configured_keys_a_key_derived_from_secret_key_is_used(settings):
    settings.API_KEY_ENCRYPTION_KEYS = []
    settings.SECRET_KEY = "local-secret-one"
    token = crypto.encrypt(SECRET)

    derived = crypto.derived_local_key("local-secret-one")
    assert Fernet(derived.encode()).decrypt(token.encode()).decode() == SECRET
    settings.SECRET_KEY = "another-secret"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token)


def test_rows_written_with_the_derived_key_stay_readable_once_keys_are_configured(settings):
    settings.API_KEY_ENCRYPTION_KEYS = []
    token = crypto.encrypt(SECRET)

    settings.API_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    assert crypto.decrypt(token) == SECRET
    assert not crypto.is_under_newest_key(token)


def test_an_invalid_configured_key_is_reported_by_position_without_echoing_it(settings):
    settings.API_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "not-a-fernet-key"]

    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.encrypt(SECRET)

    assert "entry 2 is not a valid Fernet key" in str(excinfo.value)
    assert "not-a-fernet-key" not in str(excinfo.value)

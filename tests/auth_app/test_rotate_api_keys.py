"""manage.py rotate_api_keys re-encrypts every stored key under the newest configured key."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from auth_app.management.commands.rotate_api_keys import Command
from auth_app.models import ApiKey
from auth_app.selectors.api_keys import api_key_for_use
from auth_app.services.api_keys import api_key_set
from tests.factories import UserFactory

PROVIDERS = ("claude", "openai", "gemini")


def _seed(count_users: int = 1) -> dict:
    """Store one key per provider per user; return {(user_id, provider): plaintext}."""
    secrets = {}
    for n in range(count_users):
        user = UserFactory(username=f"rotating{n}")
        for provider in PROVIDERS:
            secret = f"sk-{provider}-{n}-0123456789"
            api_key_set(user=user, provider=provider, api_key=secret)
            secrets[(user.pk, provider)] = secret
    return secrets


def _run(**options):
    out, err = StringIO(), StringIO()
    call_command("rotate_api_keys", stdout=out, stderr=err, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_after_rotation_every_key_decrypts_with_the_newest_key_alone(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.API_KEY_ENCRYPTION_KEYS = [old]
    secrets = _seed(count_users=2)
    settings.API_KEY_ENCRYPTION_KEYS = [new, old]
    # Before rotating, old ciphertexts still decrypt through the list.
    for (user_id, provider), secret in secrets.items():
        assert api_key_for_use(user_id=user_id, provider=provider).secret == secret

    output = _run(batch_size=4)

    assert "6 key(s): re-encrypted 6, 0 already under the newest key, 0 unreadable." in output
    newest_only = Fernet(new.encode())
    for row in ApiKey.objects.all():
        plaintext = newest_only.decrypt(row.api_key_encrypted.encode()).decode()
        assert plaintext == secrets[(row.user_id, row.provider)]
    settings.API_KEY_ENCRYPTION_KEYS = [new]
    for (user_id, provider), secret in secrets.items():
        assert api_key_for_use(user_id=user_id, provider=provider).secret == secret


@pytest.mark.django_db
def test_rotating_twice_writes_nothing_the_second_time(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.API_KEY_ENCRYPTION_KEYS = [old]
    _seed()
    settings.API_KEY_ENCRYPTION_KEYS = [new, old]
    _run()
    after_first = dict(ApiKey.objects.values_list("id", "api_key_encrypted"))

    output = _run()

    assert "3 key(s): re-encrypted 0, 3 already under the newest key" in output
    assert dict(ApiKey.objects.values_list("id", "api_key_encrypted")) == after_first


@pytest.mark.django_db
def test_dry_run_counts_but_changes_no_row(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.API_KEY_ENCRYPTION_KEYS = [old]
    _seed()
    before = dict(ApiKey.objects.values_list("id", "api_key_encrypted"))
    settings.API_KEY_ENCRYPTION_KEYS = [new, old]

    output = _run(dry_run=True)

    assert "would re-encrypt 3" in output
    assert dict(ApiKey.objects.values_list("id", "api_key_encrypted")) == before


@pytest.mark.django_db
def test_rotation_refuses_when_no_key_is_configured(settings):
    settings.API_KEY_ENCRYPTION_KEYS = []

    with pytest.raises(CommandError, match="API_KEY_ENCRYPTION_KEYS is empty"):
        _run()


@pytest.mark.django_db
def test_an_unreadable_row_is_reported_and_left_while_the_others_rotate(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.API_KEY_ENCRYPTION_KEYS = [old]
    _seed()
    broken = ApiKey.objects.get(provider="openai")
    foreign = Fernet(Fernet.generate_key()).encrypt(b"written-by-a-lost-key").decode()
    ApiKey.objects.filter(pk=broken.pk).update(api_key_encrypted=foreign)
    settings.API_KEY_ENCRYPTION_KEYS = [new, old]

    with pytest.raises(CommandError, match=f"1 key\\(s\\) could not be decrypted.*{broken.pk}"):
        _run()

    broken.refresh_from_db()
    assert broken.api_key_encrypted == foreign
    report = Command(stdout=StringIO(), stderr=StringIO()).rotate(batch_size=10, dry_run=True)
    assert (report.rotated, report.already_current, report.failed) == (0, 2, [str(broken.pk)])

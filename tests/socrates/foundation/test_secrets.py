"""Secrets fail closed: no start-up with DEBUG off and no SECRET_KEY or encryption keys, never
with the key this repository once committed, and a token signed with that key is refused."""

import datetime
import os
import stat
import subprocess
import sys

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from socrates.local_secrets import local_secret
from tests.factories import UserFactory
from tests.helpers import BOTH, assert_error

COMMITTED = "insecure-local-development-key-change-me-in-production"


def manage(*args, **env_overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "API_KEY_ENCRYPTION_KEYS", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_debug_off_without_secret_key_refuses_to_start_naming_it():
    result = manage("check", DEBUG="0", API_KEY_ENCRYPTION_KEYS="x" * 44)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("debug", ["0", "1"])
def test_the_once_committed_key_is_refused_whatever_debug_says(debug):
    result = manage("check", DEBUG=debug, SECRET_KEY=COMMITTED)
    assert result.returncode != 0
    assert "SECRET_KEY is the key once committed to this repository" in result.stderr


@pytest.mark.slow
def test_debug_off_without_encryption_keys_refuses_to_start_naming_them():
    result = manage("check", DEBUG="0", SECRET_KEY="a-real-secret-" + "x" * 40)
    assert result.returncode != 0
    assert "API_KEY_ENCRYPTION_KEYS must be set when DEBUG is off" in result.stderr


@pytest.mark.slow
def test_check_deploy_reports_local_secrets_with_stable_ids():
    result = manage("check", "--deploy", DEBUG="1")
    output = result.stdout + result.stderr
    assert "socrates.W001" in output
    assert "socrates.W002" in output


def test_local_secrets_are_created_once_readable_by_the_owner_only(tmp_path):
    first = local_secret(tmp_path, "secret-key")

    assert local_secret(tmp_path, "secret-key") == first
    assert stat.S_IMODE((tmp_path / "secret-key").stat().st_mode) == 0o600
    assert first != COMMITTED and len(first) >= 50


@pytest.mark.django_db(databases=BOTH)
def test_a_token_signed_with_the_once_committed_key_is_refused():
    user = UserFactory(username="victim")
    forged = jwt.encode(
        {
            "token_type": "access",
            "exp": int(datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC).timestamp()),
            "iat": int(datetime.datetime.now(datetime.UTC).timestamp()),
            "jti": "forged",
            "user_id": str(user.pk),
        },
        COMMITTED,
        algorithm="HS256",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert_error(client.get("/api/v2/auth/me/"), 401, "authentication_failed")

"""The README's production environment with SOCRATES_HTTPS=1 passes `check --deploy` at warning
level; without the switch, Django names the missing HTTPS settings."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow  # each test starts Django in a subprocess

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "prod-" + "k3y-Of-fifty-plus-characters-with-variety-" * 2,
    "ALLOWED_HOSTS": "socrates.example.com",
    "AUTH_DATABASE_URL": "postgresql://socrates:secret@auth-db.example.com:5432/socrates_auth",
    "SPECS_DATABASE_URL": "postgresql://socrates:secret@specs-db.example.com:5432/socrates_specs",
    "API_KEY_ENCRYPTION_KEYS": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
}


def check_deploy(**env_overrides):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(PRODUCTION)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_production_environment_passes_check_deploy_at_warning_level():
    result = check_deploy(SOCRATES_HTTPS="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_the_https_switch_check_deploy_names_what_is_missing():
    result = check_deploy(SOCRATES_HTTPS="0")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output

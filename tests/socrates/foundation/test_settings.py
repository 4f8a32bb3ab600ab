"""Bad database or data-dir configuration stops start-up with a message naming the variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

# Every test starts Django in a subprocess.
pytestmark = pytest.mark.slow

GOOD_URL = "postgresql://socrates@127.0.0.1:5432/socrates_specs"


def manage_check(**env_overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"AUTH_DATABASE_URL", "SPECS_DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"AUTH_DATABASE_URL": "postgresql://host:notaport/db", "SPECS_DATABASE_URL": GOOD_URL},
            "AUTH_DATABASE_URL is not a valid database URL",
        ),
        (
            {"AUTH_DATABASE_URL": GOOD_URL, "SPECS_DATABASE_URL": "mysql://x/y"},
            "SPECS_DATABASE_URL must start with postgresql://",
        ),
        (
            {"AUTH_DATABASE_URL": "postgresql://host:5432", "SPECS_DATABASE_URL": GOOD_URL},
            "AUTH_DATABASE_URL must name a host and a database",
        ),
        (
            {"AUTH_DATABASE_URL": GOOD_URL},
            "Set both AUTH_DATABASE_URL and SPECS_DATABASE_URL",
        ),
    ],
    ids=["bad-port", "not-postgres", "no-database", "only-one-set"],
)
def test_malformed_database_configuration_fails_at_start_up_naming_the_variable(env, message):
    result = manage_check(**env)

    assert result.returncode != 0
    assert message in result.stderr


def test_data_dir_under_a_regular_file_fails_at_start_up_naming_it(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    result = manage_check(SOCRATES_DATA_DIR=str(blocker / "data"))

    assert result.returncode != 0
    assert f"SOCRATES_DATA_DIR={blocker / 'data'} cannot be created" in result.stderr


def test_valid_external_urls_pass_the_checks_without_connecting():
    result = manage_check(AUTH_DATABASE_URL=GOOD_URL, SPECS_DATABASE_URL=GOOD_URL)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout

"""ensure_local_admin creates one local superuser, once, and only for the embedded database."""

import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from socrates.management.commands.ensure_local_admin import Command

User = get_user_model()


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.USE_EMBEDDED_DATABASE = True
    return tmp_path


def run():
    out = io.StringIO()
    call_command("ensure_local_admin", stdout=out)
    return out.getvalue()


def saved_password(path):
    lines = dict(line.split(": ", 1) for line in path.read_text().splitlines())
    return lines["username"], lines["password"]


@pytest.mark.django_db
def test_creates_admin_with_a_password_saved_for_the_owner_only(data_dir):
    output = run()

    path = data_dir / "local-admin.txt"
    username, password = saved_password(path)
    admin = User.objects.get(username="admin")
    assert username == "admin"
    assert admin.is_superuser and admin.is_staff
    assert admin.email == "admin@localhost"
    assert admin.check_password(password)
    assert password in output and str(path) in output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_second_run_keeps_the_first_admin_and_points_at_the_password_file(data_dir):
    run()
    first = saved_password(data_dir / "local-admin.txt")

    output = run()

    assert User.objects.filter(is_superuser=True).count() == 1
    assert saved_password(data_dir / "local-admin.txt") == first
    assert "A superuser already exists (admin)" in output
    assert str(data_dir / "local-admin.txt") in output
    assert first[1] not in output


@pytest.mark.django_db
def test_an_existing_superuser_of_another_name_is_enough(data_dir):
    User.objects.create_superuser(username="ops", email="ops@example.com", password="x")

    result = Command(stdout=io.StringIO()).ensure_local_admin()

    assert result == "exists"
    assert not User.objects.filter(username="admin").exists()
    assert not (data_dir / "local-admin.txt").exists()


@pytest.mark.django_db
def test_refuses_to_promote_an_ordinary_user_named_admin(data_dir):
    User.objects.create_user(username="admin", email="someone@example.com")

    with pytest.raises(CommandError, match="exists but is not a superuser"):
        run()

    assert not User.objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_does_nothing_outside_the_embedded_database(data_dir, settings):
    settings.USE_EMBEDDED_DATABASE = False

    output = run()

    assert "nothing to do" in output
    assert not User.objects.exists()
    assert not (data_dir / "local-admin.txt").exists()


@pytest.mark.django_db
def test_the_login_link_names_the_url_actually_served(data_dir):
    out = io.StringIO()

    Command(stdout=out).ensure_local_admin(url="http://127.0.0.1:8123/")

    assert "Log in at http://127.0.0.1:8123/admin/" in out.getvalue()


# The index asks both databases which phase they are in (socrates.phases.effective_phase, cached
# a while per process): without "specs" here the test passed only when an earlier test had
# filled that cache, and failed run alone.
@pytest.mark.django_db(databases=["default", "specs"])
def test_the_admin_index_names_the_apps_for_people(admin_client):
    html = admin_client.get("/admin/").content.decode()

    for name in ("Accounts", "Specifications", "Knowledge base", "Teams"):
        assert f">{name}<" in html
    assert "Auth_App" not in html and "AUTH_APP" not in html

"""Create a local superuser once, for the embedded database that `make run` starts.

Only with the embedded default (no database URL set): a real deployment creates its superusers
with `createsuperuser`. The generated password is printed and kept in
`<SOCRATES_DATA_DIR>/local-admin.txt` (mode 600) so it can be found again later.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

USERNAME = "admin"
EMAIL = "admin@localhost"
PASSWORD_FILE_NAME = "local-admin.txt"


def password_file() -> Path:
    return Path(settings.DATA_DIR) / PASSWORD_FILE_NAME


def write_password_file(path: Path, *, username: str, password: str) -> None:
    """Write the credentials readable by the owner only, even if the file already existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"username: {username}\npassword: {password}\n")
    os.chmod(path, 0o600)


class Command(BaseCommand):
    help = "Create the local superuser `admin` if none exists (embedded database only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="Where the server answers (make run passes its own), for the login link.",
        )

    def handle(self, *args, url, **options):
        self.ensure_local_admin(url=url)

    def ensure_local_admin(self, url: str = "http://127.0.0.1:8000") -> str:
        """Create the superuser if needed; return "created", "exists" or "skipped"."""
        if not settings.USE_EMBEDDED_DATABASE:
            self.stdout.write(
                "Database URLs are configured, so this is not the embedded local setup: nothing "
                "to do. Use `manage.py createsuperuser` to create an administrator."
            )
            return "skipped"
        path = password_file()
        user_model = get_user_model()
        existing = user_model._default_manager.filter(is_superuser=True).order_by("username")
        superuser = existing.first()
        if superuser is not None:
            self.stdout.write(self._exists_message(superuser.get_username(), path))
            return "exists"
        if user_model._default_manager.filter(username=USERNAME).exists():
            raise CommandError(
                f"A user named {USERNAME!r} exists but is not a superuser; not promoting it. "
                "Use `manage.py createsuperuser` with another name."
            )
        password = secrets.token_urlsafe(18)
        try:
            with transaction.atomic(using=user_model._default_manager.db):
                user_model._default_manager.create_superuser(
                    username=USERNAME, email=EMAIL, password=password
                )
        except IntegrityError:
            # Another `make run` created it between our check and our insert.
            self.stdout.write(self._exists_message(USERNAME, path))
            return "exists"
        write_password_file(path, username=USERNAME, password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created local superuser {USERNAME!r} with password {password}\n"
                f"(saved in {path}). Log in at {url.rstrip('/')}/admin/"
            )
        )
        return "created"

    @staticmethod
    def _exists_message(username: str, path: Path) -> str:
        where = (
            f"its password is in {path}"
            if path.exists()
            else f"no password file at {path} (it was not created by this command)"
        )
        return f"A superuser already exists ({username}); {where}."

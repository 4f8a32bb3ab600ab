"""Delete a user across both databases, leaving nothing that check_integrity would report.

The work is socrates.deletion.user_delete (see its docstring for what is removed, kept or
reassigned). Safe to run again: with the id of a user already gone, it only sweeps what an
interrupted earlier run may have left in socrates_specs.
"""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from socrates.deletion import user_delete
from socrates.errors import DomainError


class Command(BaseCommand):
    help = "Delete a user (by username or id) and everything that would dangle without them."

    def add_arguments(self, parser):
        parser.add_argument("user", help="Username, or the id of a user (even one already gone).")

    def handle(self, *args, user, verbosity, **options):
        summary = self.delete(user)
        if verbosity >= 1:
            state = "deleted" if summary.pop("user_deleted") else "already gone; leftovers swept"
            counts = ", ".join(f"{key}: {value}" for key, value in summary.items() if value)
            self.stdout.write(self.style.SUCCESS(f"User {user}: {state}. {counts}".strip()))

    def delete(self, user: str) -> dict:
        """Resolve `user` and delete it; tests call this directly."""
        try:
            user_id = uuid.UUID(user)
        except ValueError:
            found = get_user_model().objects.filter(username=user).values_list("pk", flat=True)
            user_id = found.first()
            if user_id is None:
                raise CommandError(
                    f"No user named {user!r}; give the id to sweep leftovers."
                ) from None
        try:
            return user_delete(user_id=user_id)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

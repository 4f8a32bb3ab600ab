"""Usernames unique case-insensitively, like emails: "ada" and "ADA" cannot both exist.

Before the index is built, the migration looks for usernames that differ only in case and, if
there are any, stops naming them: resolve them first with
`manage.py resolve_username_duplicates --dry-run` (then without --dry-run), and migrate again.

The unique index is built CONCURRENTLY (writes to users never wait), hence atomic = False; the
model's state gets the matching UniqueConstraint so forms and the admin validate it too.
"""

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower

INDEX = "users_username_ci_unique"


def refuse_case_duplicates(apps, schema_editor):
    from django.core.management.base import CommandError

    User = apps.get_model("auth_app", "User")  # noqa: N806 - the linter wants the class name
    alias = schema_editor.connection.alias
    groups = (
        User.objects.using(alias)
        .annotate(folded=Lower("username"))
        .values("folded")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .order_by("folded")
    )
    duplicates = []
    for group in groups[:20]:
        names = User.objects.using(alias).filter(username__iexact=group["folded"])
        duplicates.append(" / ".join(sorted(names.values_list("username", flat=True))))
    if duplicates:
        raise CommandError(
            f"auth_app.0006_username_ci_unique: {groups.count()} usernames differ only in case "
            f"({'; '.join(duplicates)}). Resolve them with "
            "`manage.py resolve_username_duplicates --dry-run`, then without --dry-run, and "
            "migrate again."
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("auth_app", "0005_deprecated_endpoint_calls")]

    operations = [
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop, elidable=False),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddConstraint(
                    model_name="user",
                    constraint=models.UniqueConstraint(Lower("username"), name=INDEX),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "{INDEX}" '
                    'ON "users" ((LOWER("username")))',
                    reverse_sql=f'DROP INDEX CONCURRENTLY IF EXISTS "{INDEX}"',
                ),
            ],
        ),
    ]

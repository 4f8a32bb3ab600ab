"""Phase 3: a user's default LLM moves to its own table (expand/contract).

users.default_llm_provider/_model (0004) are read by nothing any more: every request of every
phase reads users, so phase-3 data on it broke phases 0-2 (their schema has no such columns).
This migration creates user_llm_defaults, copies the values there, and removes the two fields
from the model state only: the columns stay in the database, nullable, never dropped here. Going
back copies the rows to the columns before the table goes, so nothing is lost either way.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_to_table(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO user_llm_defaults (user_id, provider, model, updated_at)"
            " SELECT id, default_llm_provider, default_llm_model, now() FROM users"
            " WHERE default_llm_provider IS NOT NULL ON CONFLICT (user_id) DO NOTHING"
        )
    del apps


def copy_to_columns(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE users u SET default_llm_provider = d.provider, default_llm_model = d.model"
            " FROM user_llm_defaults d WHERE d.user_id = u.id"
        )
    del apps


class Migration(migrations.Migration):
    dependencies = [
        ("auth_app", "0006_username_ci_unique"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserLlmDefault",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="llm_default",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("provider", models.CharField(max_length=20)),
                ("model", models.CharField(blank=True, max_length=100, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"db_table": "user_llm_defaults", "verbose_name": "user LLM default"},
        ),
        migrations.RunPython(copy_to_table, copy_to_columns, elidable=False),
        migrations.SeparateDatabaseAndState(
            # Model only: the columns stay (nullable) so code released before this migration
            # keeps working on this schema, and nothing is dropped.
            state_operations=[
                migrations.RemoveField(model_name="user", name="default_llm_provider"),
                migrations.RemoveField(model_name="user", name="default_llm_model"),
            ],
            database_operations=[],
        ),
    ]

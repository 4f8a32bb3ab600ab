"""Phase 4's schema: the project's LLM choice and a question's template move to their own tables
(expand/contract).

projects.llm_provider/llm_model (0006) and questions.template_id (0005) sit on tables that
every phase reads; a model field on them broke every phase whose schema lacks the column. This
migration creates project_llm_choices and question_templates, copies the values there, and
removes the fields from the model state only: the columns stay in the database, nullable, never
dropped here. Going back copies the rows to the columns before the tables go.

Both belong to phase 4 because specs_app's migrations are ordered: 0005 and 0006 came after
phase 4's 0004_generated_projects, so they cannot be undone without undoing phase 4.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_to_tables(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO project_llm_choices (project_id, provider, model, updated_at)"
            " SELECT id, llm_provider, llm_model, now() FROM projects"
            " WHERE llm_provider IS NOT NULL ON CONFLICT (project_id) DO NOTHING"
        )
        cursor.execute(
            "INSERT INTO question_templates (question_id, template_id)"
            " SELECT id, template_id FROM questions WHERE template_id IS NOT NULL"
            " ON CONFLICT (question_id) DO NOTHING"
        )
    del apps


def copy_to_columns(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE projects p SET llm_provider = c.provider, llm_model = c.model"
            " FROM project_llm_choices c WHERE c.project_id = p.id"
        )
        cursor.execute(
            "UPDATE questions q SET template_id = t.template_id"
            " FROM question_templates t WHERE t.question_id = q.id"
        )
    del apps


class Migration(migrations.Migration):
    dependencies = [
        ("specs_app", "0006_project_llm_choice"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProjectLlmChoice",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="llm_choice",
                        serialize=False,
                        to="specs_app.project",
                    ),
                ),
                ("provider", models.CharField(max_length=20)),
                ("model", models.CharField(blank=True, max_length=100, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"db_table": "project_llm_choices", "verbose_name": "project LLM choice"},
        ),
        migrations.CreateModel(
            name="QuestionTemplate",
            fields=[
                (
                    "question",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="template",
                        serialize=False,
                        to="specs_app.question",
                    ),
                ),
                ("template_id", models.CharField(max_length=100)),
            ],
            options={
                "db_table": "question_templates",
                "indexes": [
                    models.Index(fields=["template_id"], name="question_templates_tid_idx")
                ],
            },
        ),
        migrations.RunPython(copy_to_tables, copy_to_columns, elidable=False),
        migrations.SeparateDatabaseAndState(
            # Model only: the columns stay (nullable) so code released before this migration
            # keeps working on this schema, and nothing is dropped.
            state_operations=[
                migrations.RemoveField(model_name="project", name="llm_provider"),
                migrations.RemoveField(model_name="project", name="llm_model"),
                migrations.RemoveField(model_name="question", name="template_id"),
            ],
            database_operations=[],
        ),
    ]

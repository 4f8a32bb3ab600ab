"""Phase 5, step 5: knowledge_passages, one row per passage of a document, with its vector.

Additive: a nullable column on the documents (the content hash their passages were cut from)
and a new, empty table (so its keyword index and generated tsvector column cost nothing
to create here; only the HNSW index, which a rerun on a filled table could rebuild, waits for
0006). Its foreign key to the document is declared ON DELETE CASCADE in
the database (not only in Django's collector), so code written before this table existed (an
old deployment still serving during a rollout, a rollback) deletes documents and projects
without knowing about passages. Its HNSW index comes in 0006, built concurrently.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.utils.timezone
import pgvector.django.vector
from django.db import migrations, models

FOREIGN_KEY = "knowledge_passages_document_fk"


class Migration(migrations.Migration):
    dependencies = [("knowledge_app", "0004_document_embedding_hnsw_index")]

    operations = [
        # Nullable, no default: a catalogue change only, no rewrite of the documents table.
        migrations.AddField(
            model_name="knowledgebasedocument",
            name="passages_content_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.CreateModel(
            name="KnowledgePassage",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "document",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.DO_NOTHING,
                        related_name="passages",
                        to="knowledge_app.knowledgebasedocument",
                    ),
                ),
                ("project_id", models.UUIDField()),
                ("ordinal", models.PositiveIntegerField()),
                (
                    "start_offset",
                    models.PositiveIntegerField(help_text="First character, in the content."),
                ),
                (
                    "end_offset",
                    models.PositiveIntegerField(help_text="One past the last character."),
                ),
                ("token_count", models.PositiveIntegerField()),
                ("text", models.TextField()),
                (
                    "search_vector",
                    models.GeneratedField(
                        db_persist=True,
                        expression=django.contrib.postgres.search.SearchVector(
                            "text", config="english"
                        ),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
                ("embedding", pgvector.django.vector.VectorField(dimensions=384)),
                ("embedding_model", models.CharField(max_length=255)),
                ("content_hash", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"db_table": "knowledge_passages", "ordering": ["document", "ordinal"]},
        ),
        migrations.AddConstraint(
            model_name="knowledgepassage",
            constraint=models.UniqueConstraint(
                fields=("document", "ordinal"), name="knowledge_passages_document_ordinal"
            ),
        ),
        migrations.AddConstraint(
            model_name="knowledgepassage",
            constraint=models.CheckConstraint(
                condition=models.Q(end_offset__gte=models.F("start_offset")),
                name="knowledge_passages_offsets_ordered",
            ),
        ),
        migrations.AddIndex(
            model_name="knowledgepassage",
            index=models.Index(fields=["project_id"], name="kb_passages_project_idx"),
        ),
        migrations.AddIndex(
            model_name="knowledgepassage",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="kb_passages_keyword_gin"
            ),
        ),
        migrations.RunSQL(
            sql=(
                f"ALTER TABLE knowledge_passages ADD CONSTRAINT {FOREIGN_KEY}"
                " FOREIGN KEY (document_id) REFERENCES knowledge_base_documents (id)"
                " ON DELETE CASCADE"
            ),
            reverse_sql=f"ALTER TABLE knowledge_passages DROP CONSTRAINT {FOREIGN_KEY}",
        ),
    ]

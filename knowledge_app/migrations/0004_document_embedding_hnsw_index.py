"""Phase 5, step 4: the HNSW index on embeddings, built CONCURRENTLY so writes never wait.

CREATE INDEX CONCURRENTLY cannot run inside a transaction, hence atomic = False. The build may
take long on a large table, so the migration statement timeout is lifted for it alone.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations
from pgvector.django import HnswIndex

from socrates.migration_safety import without_statement_timeout


class AddHnswIndexConcurrently(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        with without_statement_timeout(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("knowledge_app", "0003_document_embedding")]

    operations = [
        AddHnswIndexConcurrently(
            model_name="knowledgebasedocument",
            index=HnswIndex(
                name="kb_documents_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ),
    ]

"""Phase 5, step 6: the HNSW index on passage vectors and the partial index of documents still
without passages, both built CONCURRENTLY (see 0004): writes never wait for them."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from pgvector.django import HnswIndex

from socrates.migration_safety import without_statement_timeout


class AddHnswIndexConcurrently(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        with without_statement_timeout(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("knowledge_app", "0005_knowledge_passages")]

    operations = [
        AddHnswIndexConcurrently(
            model_name="knowledgepassage",
            index=HnswIndex(
                name="kb_passages_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ),
        AddIndexConcurrently(
            model_name="knowledgebasedocument",
            index=models.Index(
                condition=models.Q(embedding__isnull=False, passages_content_hash__isnull=True),
                fields=["project"],
                name="kb_documents_unpassaged_idx",
            ),
        ),
    ]

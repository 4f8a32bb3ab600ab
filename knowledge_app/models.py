"""Phase 5 tables in socrates_specs: learning data and the knowledge base (pgvector)."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from socrates.crossdb import CrossDatabaseUUIDField, OnTargetDelete, label_of

EMBEDDING_DIMENSIONS = 384
# The text search configuration of keyword search: english stems words and drops stop words,
# so a question in plain words matches; identifiers (error codes, names with digits) pass
# through its `simple` dictionary unchanged, and the query goes through the same configuration,
# so they match too.
KEYWORD_CONFIG = "english"


USER = settings.AUTH_USER_MODEL


class UserBehaviorPattern(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = CrossDatabaseUUIDField(to=USER, on_target_delete=OnTargetDelete.CASCADE)
    pattern_type = models.CharField(max_length=50)
    pattern_data = models.JSONField(default=dict, blank=True)
    confidence = models.FloatField(default=0)
    learned_from_projects = ArrayField(models.UUIDField(), default=list, blank=True)
    learned_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "user_behavior_patterns"
        ordering = ["user_id", "pattern_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "pattern_type"], name="behavior_patterns_user_type_unique"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1),
                name="behavior_patterns_confidence_range",
            ),
        ]

    def __str__(self):
        return f"{self.pattern_type} of {label_of(USER, self.user_id)}"


class QuestionEffectiveness(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = CrossDatabaseUUIDField(to=USER, on_target_delete=OnTargetDelete.CASCADE)
    question_template_id = models.CharField(max_length=100)
    role = models.CharField(max_length=50, blank=True, default="")
    times_asked = models.PositiveIntegerField(default=0)
    times_answered_well = models.PositiveIntegerField(default=0)
    average_answer_length = models.FloatField(default=0)
    average_spec_extraction_count = models.FloatField(default=0)
    effectiveness_score = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "question_effectiveness"
        ordering = ["user_id", "-effectiveness_score"]
        verbose_name_plural = "question effectiveness"
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "question_template_id"],
                name="question_effectiveness_user_template_unique",
            ),
        ]

    def __str__(self):
        return f"{self.question_template_id}: {self.effectiveness_score:.2f}"


class KnowledgeBaseDocument(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        "specs_app.Project", on_delete=models.CASCADE, related_name="knowledge_documents"
    )
    # The uploader's documents stay with the project when the uploader is deleted.
    user_id = CrossDatabaseUUIDField(to=USER, on_target_delete=OnTargetDelete.TO_PROJECT_OWNER)
    filename = models.CharField(max_length=255)
    file_size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, default="text/plain")
    content = models.TextField(blank=True, default="")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Added in 0003 (nullable): the vector and its bookkeeping, so the backfill can tell a
    # missing or stale embedding (content changed, other model) from a fresh one.
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=255, null=True, blank=True)
    embedding_content_hash = models.CharField(max_length=64, null=True, blank=True)
    embedding_windows = models.PositiveIntegerField(null=True, blank=True)
    embedded_at = models.DateTimeField(null=True, blank=True)
    # Added in 0005: the content hash the document's passages (knowledge_passages) were cut
    # from, written with them; NULL for a document embedded before passages existed, which the
    # search then ranks by its document vector until the backfill gives it passages.
    passages_content_hash = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        db_table = "knowledge_base_documents"
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(
                fields=["project", "-uploaded_at", "-id"], name="kb_documents_project_idx"
            ),
            HnswIndex(
                name="kb_documents_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            # The search's rollout fallback asks "any embedded document without passages in
            # these projects?" on every query: one probe of this (small, then empty) index.
            models.Index(
                fields=["project"],
                name="kb_documents_unpassaged_idx",
                condition=Q(embedding__isnull=False, passages_content_hash__isnull=True),
            ),
        ]

    def __str__(self):
        return self.filename


class KnowledgePassage(models.Model):
    """One passage of a document: where it lies in the content, its text, its own vector.

    The text is kept (a copy of content[start_offset:end_offset]) so that keyword search has a
    generated tsvector per passage (a GIN index on a new table: no rewrite of the documents
    table, no 1 MB tsvector limit on a 10 MB document, and the best keyword passage for free)
    and a hit shows its passage without reading the whole document.

    Written by the backfill (and the upload's embedding job) together with the document's
    vector, all passages of a document at once, only while the document still holds the text
    whose hash they carry. The database cascades a document's deletion to its passages (0005),
    so code that predates this table deletes documents without knowing it exists.
    """

    id = models.BigAutoField(primary_key=True)
    document = models.ForeignKey(
        KnowledgeBaseDocument,
        on_delete=models.DO_NOTHING,  # ON DELETE CASCADE in the database (0005)
        db_constraint=False,
        related_name="passages",
    )
    # Denormalised from the document: a search filtered to projects needs no join.
    project_id = models.UUIDField()
    ordinal = models.PositiveIntegerField()
    start_offset = models.PositiveIntegerField(help_text="First character, in the content.")
    end_offset = models.PositiveIntegerField(help_text="One past the last character.")
    token_count = models.PositiveIntegerField()
    text = models.TextField()
    search_vector = models.GeneratedField(
        expression=SearchVector("text", config=KEYWORD_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    embedding_model = models.CharField(max_length=255)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "knowledge_passages"
        ordering = ["document", "ordinal"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "ordinal"], name="knowledge_passages_document_ordinal"
            ),
            models.CheckConstraint(
                condition=Q(end_offset__gte=models.F("start_offset")),
                name="knowledge_passages_offsets_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["project_id"], name="kb_passages_project_idx"),
            GinIndex(fields=["search_vector"], name="kb_passages_keyword_gin"),
            HnswIndex(
                name="kb_passages_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]

    def __str__(self):
        return f"passage {self.ordinal} of {self.document_id}"

"""Phase 5 tables in socrates_specs: learning data and the knowledge base (pgvector)."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from socrates.crossdb import CrossDatabaseUUIDField, OnTargetDelete, label_of

EMBEDDING_DIMENSIONS = 384


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
        ]

    def __str__(self):
        return self.filename

"""Admin for phase 5 (socrates_specs): learning data and the knowledge base.

A document's embedding is never loaded into the admin: the vector comes back from pgvector as a
numpy array, which Django's read-only display cannot handle (its emptiness test raises) and which
no one wants to read. The admin shows its dimensions and model instead, computed in SQL.
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import F, Func, IntegerField

from socrates.crossdb_admin import CrossDatabaseAdminMixin, ViewOnlyAdminMixin, user_link
from socrates.phase_admin import PhaseAdminMixin

from .models import (
    KnowledgeBaseDocument,
    KnowledgePassage,
    QuestionEffectiveness,
    UserBehaviorPattern,
)

EMBEDDING_BOOKKEEPING = (
    "embedding_model",
    "embedding_content_hash",
    "embedding_windows",
    "passages_content_hash",
    "embedded_at",
)


class UserIdAdmin(CrossDatabaseAdminMixin, admin.ModelAdmin):
    @admin.display(description="user", ordering="user_id")
    def user(self, obj):
        return user_link(obj.user_id)


@admin.register(UserBehaviorPattern)
class UserBehaviorPatternAdmin(PhaseAdminMixin, UserIdAdmin):
    list_display = ("user", "pattern_type", "confidence", "learned_at", "updated_at")
    list_filter = ("pattern_type",)
    search_fields = ("=user_id", "pattern_type")
    readonly_fields = ("id", "updated_at")


@admin.register(QuestionEffectiveness)
class QuestionEffectivenessAdmin(PhaseAdminMixin, UserIdAdmin):
    list_display = (
        "question_template_id",
        "user",
        "role",
        "times_asked",
        "times_answered_well",
        "effectiveness_score",
        "updated_at",
    )
    list_filter = ("role",)
    search_fields = ("=user_id", "question_template_id")
    readonly_fields = ("id", "created_at", "updated_at")


class EmbeddingListFilter(admin.SimpleListFilter):
    title = "embedding"
    parameter_name = "embedding"

    def lookups(self, request, model_admin):
        return (("present", "present"), ("missing", "missing"))

    def queryset(self, request, queryset):
        if self.value() == "present":
            return queryset.filter(embedding__isnull=False)
        if self.value() == "missing":
            return queryset.filter(embedding__isnull=True)
        return queryset


class DocumentChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # A page of documents need not read their (possibly large) contents.
        return super().get_queryset(request, exclude_parameters).defer("content")


class VectorDims(Func):
    function = "vector_dims"
    output_field = IntegerField()


@admin.register(KnowledgeBaseDocument)
class KnowledgeBaseDocumentAdmin(PhaseAdminMixin, UserIdAdmin):
    list_display = (
        "filename",
        "project",
        "user",
        "file_size",
        "content_type",
        "embedding_summary",
        "uploaded_at",
    )
    list_filter = (EmbeddingListFilter, "content_type", "embedding_model")
    # Not `content`: a substring scan of every document is too slow for a search box.
    search_fields = ("filename", "=id", "=user_id", "project__name", "=project__id")
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    exclude = ("embedding",)
    fields = (
        "id",
        "project",
        "user_id",
        "filename",
        "file_size",
        "content_type",
        "content",
        "uploaded_at",
        "embedding_summary",
        *EMBEDDING_BOOKKEEPING,
    )
    # The bookkeeping describes the stored vector, which only the backfill writes; the size and
    # content type describe the uploaded content, so they are derived, never typed.
    readonly_fields = (
        "id",
        "file_size",
        "content_type",
        "embedding_summary",
        *EMBEDDING_BOOKKEEPING,
    )

    def save_model(self, request, obj, form, change):
        # Derived from the content, as the upload service does.
        obj.file_size = len((obj.content or "").encode("utf-8"))
        super().save_model(request, obj, form, change)

    def get_changelist(self, request, **kwargs):
        return DocumentChangeList

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("embedding")
            .annotate(embedding_dimensions=VectorDims(F("embedding")))
        )

    @admin.display(description="embedding")
    def embedding_summary(self, obj):
        dimensions = getattr(obj, "embedding_dimensions", None)
        if dimensions is None:
            return "—"
        return f"{dimensions} dims · {obj.embedding_model or 'unknown model'}"


@admin.register(KnowledgePassage)
class KnowledgePassageAdmin(ViewOnlyAdminMixin, PhaseAdminMixin, admin.ModelAdmin):
    """View only: passages are derived from their document's content by the backfill (or the
    upload's job), together with its vector. To change them, edit the document and let the
    backfill re-embed it; a hand-made or hand-deleted passage would disagree with the hash
    that says the document's passages are complete."""

    list_display = ("document", "ordinal", "start_offset", "end_offset", "token_count", "text")
    list_filter = ("embedding_model",)
    search_fields = ("=document__id", "=project_id")
    list_select_related = ("document", "document__project")
    # project_id is the document's project, copied for filtered searches: shown by name.
    exclude = ("embedding", "search_vector", "project_id")
    readonly_fields = ("project",)
    ordering = ("document", "ordinal")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("document__project")
            .defer("embedding", "search_vector")
        )

    @admin.display(description="project")
    def project(self, obj):
        return obj.document.project

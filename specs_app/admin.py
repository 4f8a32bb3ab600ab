"""Admin for socrates_specs: projects and everything that hangs off them.

The router sends every query of these models to the `specs` database, and Django's admin asks
the router for each read, write and transaction, so nothing here names an alias. User ids are
plain UUIDs (users live in socrates_auth): they are shown as links, checked on save and
searchable by email through CrossDatabaseAdminMixin.
"""

from django.contrib import admin
from django.utils.text import Truncator

from socrates.crossdb_admin import (
    CrossDatabaseAdminMixin,
    ReadOnlyInline,
    user_link,
)
from socrates.phase_admin import PhaseAdminMixin

from .models import (
    Conflict,
    ConversationHistory,
    GeneratedFile,
    GeneratedProject,
    LlmUsage,
    Project,
    ProjectLlmChoice,
    QualityMetric,
    Question,
    QuestionTemplate,
    Session,
    Specification,
    TestResult,
)

TIMESTAMPS = ("created_at", "updated_at")


def excerpt(text: str, length: int = 60) -> str:
    return Truncator(text or "").chars(length)


# --- Projects --------------------------------------------------------------------------------


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    show_change_link = True
    fields = ("mode", "status", "domain", "started_at", "ended_at")


class CurrentSpecificationInline(admin.TabularInline):
    """The project's current specifications; superseded versions are on the Specification page."""

    model = Specification
    extra = 0
    show_change_link = True
    verbose_name_plural = "current specifications"
    fields = ("category", "key", "value", "source", "confidence", "is_current")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_current=True)


class ProjectLlmChoiceInline(admin.StackedInline):
    """Phase 4's schema: the project's LLM choice (its own table; see specs_app 0007)."""

    model = ProjectLlmChoice
    extra = 0
    max_num = 1
    readonly_fields = ("updated_at",)


@admin.register(Project)
class ProjectAdmin(PhaseAdminMixin, CrossDatabaseAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "status",
        "current_phase",
        "maturity_score",
        "owner",
        "created_at",
        "updated_at",
    )
    list_filter = ("status", "current_phase", "created_at")
    search_fields = ("name", "=id", "=owner_id", "=creator_id")
    readonly_fields = ("id", *TIMESTAMPS)
    inlines = (ProjectLlmChoiceInline, SessionInline, CurrentSpecificationInline)

    def get_inlines(self, request, obj):
        # The LLM choice is set on an existing project (its own row); the add page stays plain.
        if obj is None:
            return [inline for inline in self.inlines if inline is not ProjectLlmChoiceInline]
        return self.inlines

    def get_fields(self, request, obj=None):
        first = ["name", "description"]
        return first + [name for name in super().get_fields(request, obj) if name not in first]

    @admin.display(description="owner", ordering="owner_id")
    def owner(self, obj):
        return user_link(obj.owner_id)


# --- Sessions and their content --------------------------------------------------------------


class ConversationInline(ReadOnlyInline):
    model = ConversationHistory
    fields = ("created_at", "role", "message_type", "content", "tokens_used")
    readonly_fields = fields
    verbose_name_plural = "conversation"


@admin.register(Session)
class SessionAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = ("id", "project", "mode", "status", "domain", "started_at", "ended_at")
    list_filter = ("mode", "status", "started_at")
    search_fields = ("=id", "project__name", "domain")
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    readonly_fields = ("id", *TIMESTAMPS)
    inlines = (ConversationInline,)


@admin.register(Question)
class QuestionAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = ("short_text", "category", "template_id", "quality_score", "project")
    list_filter = ("category",)
    search_fields = ("text", "=template_id", "project__name", "=session__id")
    list_select_related = ("project",)
    raw_id_fields = ("project", "session")
    readonly_fields = ("id", "created_at")

    @admin.display(description="text")
    def short_text(self, obj):
        return excerpt(obj.text, 80)


@admin.register(Specification)
class SpecificationAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = (
        "project",
        "category",
        "key",
        "short_value",
        "source",
        "confidence",
        "is_current",
        "created_at",
    )
    list_filter = ("is_current", "source", "category")
    search_fields = ("key", "value", "project__name", "=project__id")
    list_select_related = ("project",)
    raw_id_fields = ("project", "session", "superseded_by")
    readonly_fields = ("id", *TIMESTAMPS)

    @admin.display(description="value")
    def short_value(self, obj):
        return excerpt(obj.value)


@admin.register(ConversationHistory)
class ConversationHistoryAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = ("id", "session", "role", "message_type", "short_content", "created_at")
    list_filter = ("role", "message_type")
    search_fields = ("=session__id",)
    list_select_related = ("session",)
    raw_id_fields = ("session",)
    show_full_result_count = False

    @admin.display(description="content")
    def short_content(self, obj):
        return excerpt(obj.content)


@admin.register(Conflict)
class ConflictAdmin(PhaseAdminMixin, CrossDatabaseAdminMixin, admin.ModelAdmin):
    list_display = (
        "project",
        "conflict_type",
        "severity",
        "status",
        "detected_at",
        "resolved_at",
        "resolved_by",
    )
    list_filter = ("status", "severity", "conflict_type")
    search_fields = ("description", "project__name", "=project__id")
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    readonly_fields = ("id",)

    @admin.display(description="resolved by", ordering="resolved_by_user")
    def resolved_by(self, obj):
        return user_link(obj.resolved_by_user)


@admin.register(QualityMetric)
class QualityMetricAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = (
        "project",
        "metric_type",
        "metric_value",
        "threshold",
        "passed",
        "calculated_at",
    )
    list_filter = ("metric_type", "passed")
    search_fields = ("project__name", "=project__id", "metric_type")
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    readonly_fields = ("id",)


# --- Phase 2 ---------------------------------------------------------------------------------


@admin.register(TestResult)
class TestResultAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = ("project", "test_type", "test_status", "started_at", "completed_at")
    list_filter = ("test_type", "test_status")
    search_fields = ("project__name", "=project__id", "error_message")
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    readonly_fields = ("id", "created_at")


# --- Phase 3 ---------------------------------------------------------------------------------


@admin.register(LlmUsage)
class LlmUsageAdmin(PhaseAdminMixin, CrossDatabaseAdminMixin, admin.ModelAdmin):
    list_display = (
        "timestamp",
        "user",
        "provider",
        "model",
        "tokens_total",
        "cost_usd",
        "latency_ms",
        "project",
    )
    list_filter = ("provider", "model")
    search_fields = ("=user_id", "=project__id", "model")
    list_select_related = ("project",)
    raw_id_fields = ("project", "session")
    date_hierarchy = "timestamp"
    show_full_result_count = False

    @admin.display(description="user", ordering="user_id")
    def user(self, obj):
        return user_link(obj.user_id)


# --- Phase 4 ---------------------------------------------------------------------------------


class GeneratedFileInline(admin.TabularInline):
    """Paths and sizes only: file contents can be large, so they are edited on their own page."""

    model = GeneratedFile
    extra = 0
    show_change_link = True
    fields = ("file_path", "file_size", "created_at")
    readonly_fields = ("created_at",)


@admin.register(GeneratedProject)
class GeneratedProjectAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = (
        "project",
        "generation_version",
        "generation_status",
        "total_files",
        "total_lines",
        "quality_score",
        "created_at",
    )
    list_filter = ("generation_status",)
    search_fields = ("project__name", "=project__id")
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    readonly_fields = ("id", "created_at")
    inlines = (GeneratedFileInline,)


@admin.register(GeneratedFile)
class GeneratedFileAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = ("file_path", "generated_project", "file_size", "created_at")
    search_fields = ("file_path", "=generated_project__id")
    list_select_related = ("generated_project",)
    raw_id_fields = ("generated_project",)
    readonly_fields = ("id", "created_at")


@admin.register(ProjectLlmChoice)
class ProjectLlmChoiceAdmin(PhaseAdminMixin, admin.ModelAdmin):
    """Phase 4's schema: projects' LLM choices (also inline on each project's page)."""

    list_display = ("project", "provider", "model", "updated_at")
    list_filter = ("provider",)
    search_fields = ("project__name", "=project__id")
    readonly_fields = ("updated_at",)
    raw_id_fields = ("project",)


@admin.register(QuestionTemplate)
class QuestionTemplateAdmin(PhaseAdminMixin, admin.ModelAdmin):
    """Phase 4's schema: the question bank template each question was asked from."""

    list_display = ("question", "template_id")
    search_fields = ("template_id", "=question__id")
    raw_id_fields = ("question",)

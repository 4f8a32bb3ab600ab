"""socrates_specs tables: projects, sessions, questions, specifications, conversation history,
conflicts, quality metrics, test results, LLM usage, generated projects and files.

User ids are plain UUID columns: users live in socrates_auth, so no foreign key can reach them.
`manage.py check_integrity` finds ids that point at no user.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from socrates import phases
from socrates.crossdb import CrossDatabaseUUIDField, OnTargetDelete


def choices_check(field: str, choices, name: str) -> models.CheckConstraint:
    """CHECK that a column only holds one of its choices (so raw SQL cannot store others)."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def range_check(field: str, low, high, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": low, f"{field}__lte": high}), name=name
    )


USER = settings.AUTH_USER_MODEL
# The phase whose schema holds a project's LLM choice and a question's template (0007).
CHOICE_PHASE = 4


class ProjectPhase(models.TextChoices):
    DISCOVERY = "discovery"
    ANALYSIS = "analysis"
    DESIGN = "design"
    IMPLEMENTATION = "implementation"


class ProjectStatus(models.TextChoices):
    ACTIVE = "active"
    ARCHIVED = "archived"
    COMPLETED = "completed"


class Project(models.Model):
    Phase = ProjectPhase
    Status = ProjectStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Users live in socrates_auth: plain UUIDs, declared as references (socrates.crossdb).
    owner_id = CrossDatabaseUUIDField(
        to=USER, on_target_delete=OnTargetDelete.PROTECT, refusal="owns {count} project(s)"
    )
    # What a user did inside someone else's project stays with it.
    creator_id = CrossDatabaseUUIDField(to=USER, on_target_delete=OnTargetDelete.TO_PROJECT_OWNER)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    current_phase = models.CharField(
        max_length=20, choices=ProjectPhase, default=ProjectPhase.DISCOVERY
    )
    maturity_score = models.FloatField(default=0)
    status = models.CharField(max_length=20, choices=ProjectStatus, default=ProjectStatus.ACTIVE)
    archived_at = models.DateTimeField(null=True, blank=True)
    # The project's LLM choice lives in ProjectLlmChoice (from phase 4's schema on): every
    # request reads projects, at every phase. The columns projects.llm_provider/llm_model that
    # 0006 added stay in the database (nullable, unread; 0007 copied them, model-only removal).
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "projects"
        ordering = ["-created_at", "-id"]
        constraints = [
            range_check("maturity_score", 0, 100, "projects_maturity_score_range"),
            choices_check("current_phase", ProjectPhase, "projects_current_phase_valid"),
            choices_check("status", ProjectStatus, "projects_status_valid"),
        ]
        indexes = [
            models.Index(
                fields=["owner_id", "-created_at", "-id"], name="projects_owner_created_idx"
            ),
            models.Index(fields=["creator_id"], name="projects_creator_idx"),
            models.Index(fields=["status"], name="projects_status_idx"),
        ]

    def __str__(self):
        return self.name

    # The project's LLM choice, read from phase 4's table (None below phase 4 or when unset).
    # Written by specs_app.llm.services.project_llm_set.
    def _llm_choice_row(self):
        if not phases.phase_enabled(CHOICE_PHASE):
            return None
        try:
            return self.llm_choice
        except ProjectLlmChoice.DoesNotExist:
            return None

    @property
    def llm_provider(self) -> str | None:
        row = self._llm_choice_row()
        return row.provider if row else None

    @property
    def llm_model(self) -> str | None:
        row = self._llm_choice_row()
        return row.model if row else None


class SessionMode(models.TextChoices):
    SOCRATIC = "socratic"
    DIRECT_CHAT = "direct_chat"


class SessionStatus(models.TextChoices):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


class Session(models.Model):
    Mode = SessionMode
    Status = SessionStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sessions")
    mode = models.CharField(max_length=20, choices=SessionMode, default=SessionMode.SOCRATIC)
    status = models.CharField(max_length=20, choices=SessionStatus, default=SessionStatus.ACTIVE)
    domain = models.CharField(max_length=100, blank=True, default="")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sessions"
        ordering = ["-started_at", "-id"]
        constraints = [
            choices_check("mode", SessionMode, "sessions_mode_valid"),
            choices_check("status", SessionStatus, "sessions_status_valid"),
        ]
        indexes = [
            models.Index(fields=["project", "-started_at"], name="sessions_project_started_idx"),
        ]

    def __str__(self):
        return f"{self.project.name}: {self.mode} session ({self.status})"


class Question(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="questions")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField()
    category = models.CharField(max_length=50)
    context = models.TextField(blank=True, default="")
    quality_score = models.FloatField(null=True, blank=True)
    # The question bank template it was asked from lives in QuestionTemplate (phase 4's
    # schema); questions.template_id (0005) stays in the database, unread (see 0007).
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "questions"
        ordering = ["created_at", "id"]
        constraints = [range_check("quality_score", 0, 1, "questions_quality_score_range")]
        indexes = [
            models.Index(fields=["session", "created_at"], name="questions_session_created_idx"),
            models.Index(fields=["project", "created_at"], name="questions_project_created_idx"),
        ]

    def __str__(self):
        return self.text[:80]

    @property
    def template_id(self) -> str | None:
        """The question bank template it was asked from (phase 4's table; None below)."""
        asked = self.__dict__.get("_asked_template_id")
        if asked is not None or not phases.phase_enabled(CHOICE_PHASE):
            return asked
        try:
            return self.template.template_id
        except QuestionTemplate.DoesNotExist:
            return None


class QuestionTemplate(models.Model):
    """Phase 4's schema: the question bank template a question was asked from."""

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, primary_key=True, related_name="template"
    )
    template_id = models.CharField(max_length=100)

    class Meta:
        db_table = "question_templates"
        indexes = [models.Index(fields=["template_id"], name="question_templates_tid_idx")]

    def __str__(self):
        return self.template_id


class SpecificationSource(models.TextChoices):
    USER_INPUT = "user_input"
    EXTRACTED = "extracted"
    INFERRED = "inferred"
    TEMPLATE = "template"
    IMPORT = "import"


class Specification(models.Model):
    Source = SpecificationSource

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="specifications")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="specifications"
    )
    category = models.CharField(max_length=50)
    key = models.CharField(max_length=200)
    value = models.TextField(blank=True, default="")
    content = models.TextField(blank=True, default="")
    source = models.CharField(
        max_length=20, choices=SpecificationSource, default=SpecificationSource.USER_INPUT
    )
    confidence = models.FloatField(default=1.0)
    is_current = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "specifications"
        ordering = ["category", "key", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "category", "key"],
                condition=Q(is_current=True),
                name="specifications_one_current_per_key",
            ),
            range_check("confidence", 0, 1, "specifications_confidence_range"),
            choices_check("source", SpecificationSource, "specifications_source_valid"),
        ]
        indexes = [
            models.Index(
                fields=["project", "is_current", "category", "key"],
                name="specs_project_current_idx",
            ),
            models.Index(
                fields=["project", "-created_at", "-id"], name="specs_project_created_idx"
            ),
        ]

    def __str__(self):
        return f"{self.category}.{self.key} = {self.value[:60]}"


class ConversationRole(models.TextChoices):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class ConversationHistory(models.Model):
    Role = ConversationRole

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="conversation")
    role = models.CharField(max_length=20, choices=ConversationRole)
    content = models.TextField()
    message_type = models.CharField(max_length=50, default="message")
    tokens_used = models.PositiveIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "conversation_history"
        ordering = ["created_at", "id"]
        verbose_name_plural = "conversation history"
        constraints = [choices_check("role", ConversationRole, "conversation_history_role_valid")]
        indexes = [
            models.Index(fields=["session", "created_at", "id"], name="conversation_session_idx"),
        ]

    def __str__(self):
        return f"{self.role}: {self.content[:60]}"


class ConflictType(models.TextChoices):
    TECHNOLOGY = "technology"
    REQUIREMENT = "requirement"
    TIMELINE = "timeline"
    RESOURCE = "resource"


class ConflictSeverity(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ConflictStatus(models.TextChoices):
    OPEN = "open"
    RESOLVED = "resolved"
    IGNORED = "ignored"


class Conflict(models.Model):
    Type = ConflictType
    Severity = ConflictSeverity
    Status = ConflictStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="conflicts")
    conflict_type = models.CharField(max_length=20, choices=ConflictType)
    description = models.TextField()
    spec_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    severity = models.CharField(
        max_length=20, choices=ConflictSeverity, default=ConflictSeverity.MEDIUM
    )
    status = models.CharField(max_length=20, choices=ConflictStatus, default=ConflictStatus.OPEN)
    resolution = models.TextField(blank=True, default="")
    detected_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_user = CrossDatabaseUUIDField(
        to=USER, on_target_delete=OnTargetDelete.SET_NULL, null=True, blank=True
    )

    class Meta:
        db_table = "conflicts"
        ordering = ["-detected_at", "-id"]
        constraints = [
            choices_check("conflict_type", ConflictType, "conflicts_type_valid"),
            choices_check("severity", ConflictSeverity, "conflicts_severity_valid"),
            choices_check("status", ConflictStatus, "conflicts_status_valid"),
        ]
        indexes = [
            models.Index(
                fields=["project", "status", "-detected_at"], name="conflicts_project_status_idx"
            ),
        ]

    def __str__(self):
        return f"{self.conflict_type}/{self.severity}: {self.description[:60]}"


class QualityMetric(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="quality_metrics")
    metric_type = models.CharField(max_length=50)
    metric_value = models.FloatField()
    threshold = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(default=False)
    details = models.JSONField(default=dict, blank=True)
    calculated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "quality_metrics"
        ordering = ["-calculated_at", "-id"]
        indexes = [
            models.Index(
                fields=["project", "metric_type", "-calculated_at"],
                name="quality_project_type_idx",
            ),
        ]

    def __str__(self):
        return f"{self.metric_type}={self.metric_value}"


# --- Phase 2 ---------------------------------------------------------------------------------


class TestType(models.TextChoices):
    COMPATIBILITY = "compatibility"
    INTEGRATION = "integration"
    UNIT = "unit"


class TestStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"


class TestResult(models.Model):
    __test__ = False  # not a pytest test class

    Type = TestType
    Status = TestStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="test_results")
    test_type = models.CharField(max_length=20, choices=TestType, default=TestType.COMPATIBILITY)
    technology_stack = models.JSONField(default=dict, blank=True)
    test_status = models.CharField(max_length=20, choices=TestStatus, default=TestStatus.PENDING)
    results = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "test_results"
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("test_type", TestType, "test_results_type_valid"),
            choices_check("test_status", TestStatus, "test_results_status_valid"),
        ]
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="test_results_project_idx"),
        ]

    def __str__(self):
        return f"{self.test_type} {self.test_status}"


# --- Phase 3 ---------------------------------------------------------------------------------


class LlmUsage(models.Model):
    id = models.BigAutoField(primary_key=True)
    user_id = CrossDatabaseUUIDField(to=USER, on_target_delete=OnTargetDelete.CASCADE)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="llm_usage"
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="llm_usage"
    )
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100)
    tokens_input = models.PositiveIntegerField(default=0)
    tokens_output = models.PositiveIntegerField(default=0)
    tokens_total = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "llm_usage_tracking"
        ordering = ["-timestamp", "-id"]
        verbose_name_plural = "LLM usage"
        indexes = [
            models.Index(fields=["user_id", "-timestamp"], name="llm_usage_user_time_idx"),
            models.Index(fields=["project", "-timestamp"], name="llm_usage_project_time_idx"),
        ]

    def __str__(self):
        return f"{self.provider}/{self.model} {self.tokens_total} tokens"


# --- Phase 4 ---------------------------------------------------------------------------------


class GenerationStatus(models.TextChoices):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


class GeneratedProject(models.Model):
    Status = GenerationStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="generations")
    generation_version = models.PositiveIntegerField()
    total_files = models.PositiveIntegerField(default=0)
    total_lines = models.PositiveIntegerField(default=0)
    test_coverage = models.FloatField(null=True, blank=True)
    quality_score = models.FloatField(null=True, blank=True)
    traceability_score = models.FloatField(null=True, blank=True)
    generation_status = models.CharField(
        max_length=20, choices=GenerationStatus, default=GenerationStatus.PENDING
    )
    error_message = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "generated_projects"
        ordering = ["project", "-generation_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "generation_version"],
                name="generated_projects_version_unique",
            ),
            choices_check("generation_status", GenerationStatus, "generated_projects_status_valid"),
        ]

    def __str__(self):
        return f"{self.project.name} v{self.generation_version} ({self.generation_status})"


class GeneratedFile(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    generated_project = models.ForeignKey(
        GeneratedProject, on_delete=models.CASCADE, related_name="files"
    )
    file_path = models.CharField(max_length=1000)
    file_content = models.TextField(blank=True, default="")
    file_size = models.PositiveIntegerField(default=0)
    spec_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "generated_files"
        ordering = ["file_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["generated_project", "file_path"], name="generated_files_path_unique"
            ),
        ]

    def __str__(self):
        return self.file_path


class ProjectLlmChoice(models.Model):
    """Phase 4's schema: the LLM provider and model a project uses (no row: the user's)."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="llm_choice"
    )
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "project_llm_choices"
        verbose_name = "project LLM choice"

    def __str__(self):
        return f"{self.provider} {self.model or ''}".strip()

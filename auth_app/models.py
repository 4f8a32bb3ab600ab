"""socrates_auth tables: users, audit log, user rules, LLM API keys."""

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from socrates import phases

# The phase whose schema holds API keys and the user's default LLM.
LLM_PHASE = 3


class SocratesUserManager(UserManager):
    def get_by_natural_key(self, username):
        """Return the user whose username matches case-insensitively (login, loaddata).

        Usernames are unique case-insensitively (users_username_ci_unique). On a database whose
        duplicates were not yet resolved, only an exact match counts: never a guess.
        """
        return username_lookup(self.all(), username).get()


def username_lookup(queryset, username):
    """Narrow ``queryset`` to the one user ``username`` names, comparing case-insensitively.

    The one rule for finding a user by name (login, registration, teams' user lookup): a name
    differing only in case is the same user. Where several rows still match (case duplicates
    left from before 0006_username_ci_unique), only the exact spelling matches.
    """
    matches = queryset.filter(username__iexact=username)
    if matches[:2].count() > 1:
        return matches.filter(username=username)
    return matches


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", max_length=254)
    # The user's default LLM (phase 3) lives in its own table, UserLlmDefault: code of phases
    # 0-2 reads and writes users, and must work where phase 3's schema is not there. The
    # columns users.default_llm_provider/_model that 0004 added stay in the database (nullable,
    # no longer read or written; 0007 copied them and removed them from the model only).
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SocratesUserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        db_table = "users"
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_email_ci_unique"),
            # 0006: "ada" and "ADA" are one name (see username_lookup).
            models.UniqueConstraint(Lower("username"), name="users_username_ci_unique"),
        ]

    def __str__(self):
        return self.username

    # The user's default LLM, read from phase 3's table (None where the databases are below
    # phase 3 or the user chose none). Written by specs_app.llm.services.user_llm_default_set.
    def _llm_default_row(self):
        if not phases.phase_enabled(LLM_PHASE):
            return None
        try:
            return self.llm_default
        except UserLlmDefault.DoesNotExist:
            return None

    @property
    def default_llm_provider(self) -> str | None:
        row = self._llm_default_row()
        return row.provider if row else None

    @property
    def default_llm_model(self) -> str | None:
        row = self._llm_default_row()
        return row.model if row else None


class UserLlmDefault(models.Model):
    """Phase 3: a user's default LLM provider and model (no row: claude's default model)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="llm_default"
    )
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "user_llm_defaults"
        verbose_name = "user LLM default"

    def __str__(self):
        return f"{self.user}: {self.provider} {self.model or ''}".strip()


class AuditLog(models.Model):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_logs"
    )
    action = models.CharField(max_length=100)
    resource_type = models.CharField(max_length=100, blank=True, default="")
    resource_id = models.CharField(max_length=100, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audit_logs"
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["user", "-timestamp"], name="audit_logs_user_time_idx"),
            models.Index(fields=["action", "-timestamp"], name="audit_logs_action_time_idx"),
            models.Index(fields=["resource_type", "resource_id"], name="audit_logs_resource_idx"),
        ]

    def __str__(self):
        return f"{self.action} {self.resource_type}:{self.resource_id}"


# --- Phase 1 ---------------------------------------------------------------------------------


class UserRules(models.Model):
    """One rules document per user; its keys are validated by auth_app.rules."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="rules")
    rules = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "user_rules"
        verbose_name_plural = "user rules"

    def __str__(self):
        return f"rules of {self.user_id}"


# --- Phase 3 ---------------------------------------------------------------------------------


class LlmProvider(models.TextChoices):
    CLAUDE = "claude"
    OPENAI = "openai"
    GEMINI = "gemini"
    OLLAMA = "ollama"
    OTHER = "other"


class ApiKey(models.Model):
    """A user's key for one LLM provider. Only ciphertext is stored; it is never returned."""

    Provider = LlmProvider

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    provider = models.CharField(max_length=20, choices=LlmProvider)
    api_key_encrypted = models.TextField()
    key_last_four = models.CharField(max_length=4, blank=True, default="")
    is_active = models.BooleanField(default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "api_keys"
        ordering = ["provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"], name="api_keys_user_provider_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(provider__in=LlmProvider.values), name="api_keys_provider_valid"
            ),
        ]

    def __str__(self):
        return f"{self.provider} key of {self.user_id}"


# --- API deprecation -------------------------------------------------------------------------


class DeprecatedEndpointCall(models.Model):
    """How often one user called one deprecated endpoint on one day (socrates.api.deprecation).

    One row per (endpoint, user, day), incremented by an upsert, so the table grows with the
    number of distinct callers rather than with traffic.
    """

    id = models.BigAutoField(primary_key=True)
    endpoint = models.CharField(max_length=300)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deprecated_endpoint_calls",
    )
    day = models.DateField()
    calls = models.PositiveIntegerField(default=0)
    first_called_at = models.DateTimeField(default=timezone.now)
    last_called_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "deprecated_endpoint_calls"
        ordering = ["-day", "endpoint"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "user", "day"],
                name="deprecated_calls_endpoint_user_day_unique",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-day"], name="deprecated_calls_endpoint_idx"),
        ]

    def __str__(self):
        return f"{self.endpoint} by {self.user_id} on {self.day}: {self.calls}"

"""Serializers of the phase-0 resources, per API version.

v1 is the frozen phase-0 contract: projects expose ``phase`` (the model's ``current_phase``)
and ``maturity_level`` (``maturity_score``). v2 uses the model's names. Resources whose fields
did not change share one serializer. Serializers only translate; services hold the rules.
"""

from rest_framework import serializers

from socrates.api import serializers as api_serializers
from socrates.api.fields import LONG_TEXT_MAX, SHORT_TEXT_MAX, FiniteFloatField, JSONObjectField
from specs_app.models import (
    Conflict,
    ConflictSeverity,
    ConflictStatus,
    ConflictType,
    ConversationHistory,
    Project,
    ProjectPhase,
    ProjectStatus,
    Question,
    Session,
    SessionMode,
    SessionStatus,
    Specification,
    SpecificationSource,
)
from specs_app.services import CONFLICT_ACTIONS

# --- Projects --------------------------------------------------------------------------------

_PROJECT_READ_ONLY = ["id", "owner_id", "creator_id", "status", "archived_at"]


class ProjectV1Serializer(api_serializers.ModelSerializer):
    phase = serializers.ChoiceField(
        source="current_phase",
        choices=ProjectPhase.choices,
        required=False,
        help_text="Ignored when a project is created (it starts in discovery). On update, a "
        "different phase must be the next one and passes the phase gate, as POST "
        "/api/v2/projects/{id}/advance-phase/ does (owner only).",
    )
    maturity_level = FiniteFloatField(
        source="maturity_score",
        min_value=0,
        max_value=100,
        required=False,
        help_text="Computed from the specifications; a value sent is ignored.",
    )
    description = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "owner_id",
            "creator_id",
            "name",
            "description",
            "phase",
            "maturity_level",
            "status",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = _PROJECT_READ_ONLY

    def validate(self, attrs):
        # The frozen contract keeps both fields in requests; neither is ever written as sent.
        attrs.pop("maturity_score", None)
        if self.instance is None:
            attrs.pop("current_phase", None)
        return attrs


class ProjectV2Serializer(api_serializers.ModelSerializer):
    current_phase = serializers.ChoiceField(
        choices=ProjectPhase.choices,
        required=False,
        help_text="A new project starts in discovery. On update, a different phase must be the "
        "next one and passes the phase gate, as advance-phase does (owner only).",
    )
    maturity_score = FiniteFloatField(
        min_value=0,
        max_value=100,
        read_only=True,
        help_text="Computed from the specifications (0-100).",
    )
    description = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)

    # Read from phase 4's project_llm_choices (null below phase 4 or when unset).
    llm_provider = serializers.CharField(read_only=True, allow_null=True, max_length=20)
    llm_model = serializers.CharField(read_only=True, allow_null=True, max_length=100)

    class Meta:
        model = Project
        fields = [
            "id",
            "owner_id",
            "creator_id",
            "name",
            "description",
            "current_phase",
            "maturity_score",
            "status",
            "archived_at",
            "llm_provider",
            "llm_model",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [*_PROJECT_READ_ONLY, "llm_provider", "llm_model"]

    def validate_current_phase(self, value):
        if self.instance is None and value != ProjectPhase.DISCOVERY:
            raise serializers.ValidationError(
                "A project starts in discovery; move it with advance-phase."
            )
        return value


class ProjectFilterV1Serializer(api_serializers.Serializer):
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    phase = serializers.ChoiceField(
        source="current_phase", choices=ProjectPhase.choices, required=False
    )


class ProjectFilterV2Serializer(api_serializers.Serializer):
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    current_phase = serializers.ChoiceField(choices=ProjectPhase.choices, required=False)


# --- Sessions and conversation ---------------------------------------------------------------


class SessionSerializer(api_serializers.ModelSerializer):
    project_id = serializers.UUIDField(read_only=True)
    mode = serializers.ChoiceField(choices=SessionMode.choices, required=False)

    class Meta:
        model = Session
        fields = [
            "id",
            "project_id",
            "mode",
            "status",
            "domain",
            "started_at",
            "ended_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "started_at", "ended_at"]


class SessionFilterSerializer(api_serializers.Serializer):
    status = serializers.ChoiceField(choices=SessionStatus.choices, required=False)
    mode = serializers.ChoiceField(choices=SessionMode.choices, required=False)


class ConversationTurnSerializer(api_serializers.ModelSerializer):
    session_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = ConversationHistory
        fields = [
            "id",
            "session_id",
            "role",
            "content",
            "message_type",
            "tokens_used",
            "metadata",
            "created_at",
        ]
        read_only_fields = fields


class AnswerSerializer(api_serializers.Serializer):
    answer = serializers.CharField(max_length=SHORT_TEXT_MAX)
    question_id = serializers.UUIDField(required=False, allow_null=True)


# --- Questions -------------------------------------------------------------------------------


class QuestionV1Serializer(api_serializers.ModelSerializer):
    project_id = serializers.UUIDField(read_only=True)
    session_id = serializers.UUIDField(read_only=True)
    text = serializers.CharField(max_length=SHORT_TEXT_MAX)
    context = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)
    quality_score = FiniteFloatField(min_value=0, max_value=1, required=False, allow_null=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "project_id",
            "session_id",
            "text",
            "category",
            "context",
            "quality_score",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class QuestionV2Serializer(QuestionV1Serializer):
    # Kept in phase 4's question_templates (Question.template_id reads it; null below phase 4).
    template_id = serializers.CharField(
        max_length=100, required=False, allow_null=True, allow_blank=True
    )

    class Meta(QuestionV1Serializer.Meta):
        fields = [*QuestionV1Serializer.Meta.fields, "template_id"]


class QuestionFilterSerializer(api_serializers.Serializer):
    category = serializers.CharField(max_length=50, required=False)


# --- Specifications --------------------------------------------------------------------------


class SpecificationSerializer(api_serializers.ModelSerializer):
    project_id = serializers.UUIDField(read_only=True)
    session_id = serializers.UUIDField(required=False, allow_null=True)
    value = serializers.CharField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)
    content = serializers.CharField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=SpecificationSource.choices, required=False)
    confidence = FiniteFloatField(min_value=0, max_value=1, required=False)
    metadata = JSONObjectField(required=False)
    superseded_by = serializers.UUIDField(
        source="superseded_by_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Specification
        fields = [
            "id",
            "project_id",
            "session_id",
            "category",
            "key",
            "value",
            "content",
            "source",
            "confidence",
            "is_current",
            "metadata",
            "superseded_at",
            "superseded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_current", "superseded_at", "created_at", "updated_at"]


class SpecificationUpdateSerializer(api_serializers.Serializer):
    """A new version: the fields to change (category and key identify the version chain)."""

    value = serializers.CharField(max_length=LONG_TEXT_MAX, allow_blank=True)
    content = serializers.CharField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=SpecificationSource.choices, required=False)
    confidence = FiniteFloatField(min_value=0, max_value=1, required=False)
    metadata = JSONObjectField(required=False)
    session_id = serializers.UUIDField(required=False, allow_null=True)


class SpecificationFilterSerializer(api_serializers.Serializer):
    category = serializers.CharField(max_length=50, required=False)
    key = serializers.CharField(max_length=200, required=False)
    source = serializers.ChoiceField(choices=SpecificationSource.choices, required=False)
    is_current = serializers.BooleanField(required=False, allow_null=True, default=None)


# --- Conflicts -------------------------------------------------------------------------------


class ConflictSerializer(api_serializers.ModelSerializer):
    project_id = serializers.UUIDField(read_only=True)
    spec_ids = serializers.ListField(child=serializers.UUIDField(), read_only=True)

    class Meta:
        model = Conflict
        fields = [
            "id",
            "project_id",
            "conflict_type",
            "description",
            "spec_ids",
            "severity",
            "status",
            "resolution",
            "detected_at",
            "resolved_at",
            "resolved_by_user",
        ]
        read_only_fields = fields


class ConflictFilterSerializer(api_serializers.Serializer):
    status = serializers.ChoiceField(choices=ConflictStatus.choices, required=False)
    severity = serializers.ChoiceField(choices=ConflictSeverity.choices, required=False)
    conflict_type = serializers.ChoiceField(choices=ConflictType.choices, required=False)


class ConflictResolveSerializer(api_serializers.Serializer):
    action = serializers.ChoiceField(choices=CONFLICT_ACTIONS)
    notes = serializers.CharField(
        max_length=SHORT_TEXT_MAX, required=False, allow_blank=True, default=""
    )
    merged_value = serializers.CharField(
        max_length=LONG_TEXT_MAX,
        required=False,
        allow_blank=True,
        help_text="The merged value; required when action is merge.",
    )

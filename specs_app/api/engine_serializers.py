"""Serializers of the engine's v2 endpoints: they validate input and shape output, nothing more."""

from rest_framework import serializers

from socrates.api import serializers as api_serializers
from socrates.api.fields import SHORT_TEXT_MAX, FiniteFloatField, JSONObjectField
from specs_app.api.projects_serializers import (
    ConflictSerializer,
    ConversationTurnSerializer,
    ProjectV2Serializer,
    SpecificationSerializer,
)
from specs_app.models import TestResult, TestStatus, TestType

# --- next question -----------------------------------------------------------------------------


class CategoryCoverageSerializer(api_serializers.Serializer):
    category = serializers.CharField()
    count = serializers.IntegerField(help_text="Current specifications of the category.")
    target = serializers.IntegerField()
    coverage = serializers.FloatField(help_text="min(count / target, 1)")


class NextQuestionSerializer(api_serializers.Serializer):
    id = serializers.UUIDField(source="question.id")
    session_id = serializers.UUIDField(source="question.session_id")
    project_id = serializers.UUIDField(source="question.project_id")
    text = serializers.CharField(source="question.text")
    category = serializers.CharField(source="question.category")
    context = serializers.CharField(source="question.context", help_text="Why it matters.")
    template_id = serializers.CharField(source="question.template_id")
    quality_score = serializers.FloatField(source="question.quality_score")
    role = serializers.CharField(source="template.role", help_text="The team role it suits.")
    fills = serializers.SerializerMethodField(help_text="Specification keys the answer fills.")
    coverage = CategoryCoverageSerializer(help_text="The category's coverage before this question.")
    rephrased = serializers.BooleanField(help_text="Whether an LLM reworded the template.")
    created_at = serializers.DateTimeField(source="question.created_at")

    def get_fills(self, asked) -> list[str]:
        return [f"{category}.{key}" for category, key in asked.template.fills]


# --- answers -----------------------------------------------------------------------------------


class AnswerInputSerializer(api_serializers.Serializer):
    question_id = serializers.UUIDField()
    answer = serializers.CharField(max_length=SHORT_TEXT_MAX)
    confidence = FiniteFloatField(
        min_value=0,
        max_value=1,
        required=False,
        allow_null=True,
        help_text="Confidence of the specifications the answer states (default 0.8).",
    )


class AnswerOutcomeSerializer(api_serializers.Serializer):
    question_id = serializers.UUIDField(source="question.id")
    turn = ConversationTurnSerializer()
    specifications = SpecificationSerializer(
        many=True, help_text="Specifications written as current."
    )
    pending = SpecificationSerializer(
        many=True, help_text="Specifications kept but not current: they wait for their conflicts."
    )
    unchanged = SpecificationSerializer(many=True, help_text="Current values the answer repeated.")
    conflicts = ConflictSerializer(many=True)
    maturity_score = serializers.FloatField(source="quality.maturity.score")
    coverage = serializers.FloatField(source="quality.coverage.value")
    compatibility_test_id = serializers.UUIDField(
        source="test_result.id", allow_null=True, default=None
    )
    compatibility_status = serializers.CharField(
        source="test_result.test_status", allow_null=True, default=None
    )


# --- user rules --------------------------------------------------------------------------------


class RulesSerializer(api_serializers.Serializer):
    rules = JSONObjectField(help_text="The rules document; unknown keys are refused (400).")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


# --- readiness and phase gates -----------------------------------------------------------------


class ReadinessSerializer(api_serializers.Serializer):
    score = serializers.FloatField(help_text="(coverage + average confidence + maturity/100) / 3")
    ready = serializers.BooleanField()
    threshold = serializers.FloatField()
    coverage = serializers.FloatField()
    average_confidence = serializers.FloatField()
    maturity = serializers.FloatField()
    blocking_conflicts = serializers.ListField(child=serializers.DictField())
    missing = serializers.ListField(child=serializers.DictField())


class PhaseAdvanceInputSerializer(api_serializers.Serializer):
    override = serializers.BooleanField(
        default=False, help_text="Advance even if the gate fails (owner only; audited)."
    )
    reason = serializers.CharField(
        max_length=SHORT_TEXT_MAX, required=False, allow_blank=True, default=""
    )


class GateCheckSerializer(api_serializers.Serializer):
    name = serializers.CharField()
    passed = serializers.BooleanField()
    value = serializers.FloatField()
    needed = serializers.CharField()
    message = serializers.CharField()


class GateVerdictSerializer(api_serializers.Serializer):
    from_phase = serializers.CharField()
    to_phase = serializers.CharField()
    passed = serializers.BooleanField()
    checks = GateCheckSerializer(many=True)


class PhaseAdvanceSerializer(api_serializers.Serializer):
    project = ProjectV2Serializer()
    verdict = GateVerdictSerializer()
    overridden = serializers.BooleanField()


# --- compatibility tests -----------------------------------------------------------------------


class TestResultSerializer(api_serializers.ModelSerializer):
    __test__ = False  # not a pytest test class

    project_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = TestResult
        fields = [
            "id",
            "project_id",
            "test_type",
            "technology_stack",
            "test_status",
            "results",
            "error_message",
            "started_at",
            "completed_at",
            "created_at",
        ]
        read_only_fields = fields


class TestResultFilterSerializer(api_serializers.Serializer):
    __test__ = False

    test_type = serializers.ChoiceField(choices=TestType.choices, required=False)
    test_status = serializers.ChoiceField(choices=TestStatus.choices, required=False)

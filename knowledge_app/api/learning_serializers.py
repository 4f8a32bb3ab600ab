"""v2 serializers of GET /api/v2/me/learning/ (what Socrates has learned about the caller)."""

from rest_framework import serializers

from knowledge_app import learning
from knowledge_app.models import QuestionEffectiveness, UserBehaviorPattern
from socrates.api import serializers as api_serializers


class BehaviorPatternSerializer(api_serializers.ModelSerializer):
    value = serializers.SerializerMethodField()

    class Meta:
        model = UserBehaviorPattern
        fields = [
            "pattern_type",
            "value",
            "confidence",
            "pattern_data",
            "learned_from_projects",
            "learned_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_value(self, pattern) -> str | None:
        return (pattern.pattern_data or {}).get("value")


class QuestionEffectivenessSerializer(api_serializers.ModelSerializer):
    template_id = serializers.CharField(source="question_template_id", read_only=True)
    ranking_score = serializers.SerializerMethodField()

    class Meta:
        model = QuestionEffectiveness
        fields = [
            "template_id",
            "role",
            "times_asked",
            "times_answered_well",
            "average_answer_length",
            "average_spec_extraction_count",
            "effectiveness_score",
            "ranking_score",
            "updated_at",
        ]
        read_only_fields = fields

    def get_ranking_score(self, row) -> float:
        return learning.ranking_score(
            times_asked=row.times_asked, times_answered_well=row.times_answered_well
        )


class LearningSummarySerializer(api_serializers.Serializer):
    patterns = BehaviorPatternSerializer(many=True, read_only=True)
    question_effectiveness = QuestionEffectivenessSerializer(many=True, read_only=True)

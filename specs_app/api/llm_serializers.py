"""v2 serializers for LLM keys, provider choices, the provider registry and usage.

A key is write-only: the API takes it and answers with its provider, last four characters and
dates, never the key or its ciphertext.
"""

from rest_framework import serializers

from auth_app.models import ApiKey
from socrates.api import serializers as api_serializers
from specs_app.llm import registry
from specs_app.llm.selectors import PERIODS
from specs_app.models import LlmUsage


class ApiKeyCreateSerializer(api_serializers.Serializer):
    provider = serializers.ChoiceField(choices=registry.provider_names())
    api_key = serializers.CharField(
        write_only=True, trim_whitespace=True, max_length=512, style={"input_type": "password"}
    )


class ApiKeySerializer(api_serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = [
            "provider",
            "key_last_four",
            "is_active",
            "last_used_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ApiKeyVerifySerializer(api_serializers.Serializer):
    provider = serializers.CharField()
    model = serializers.CharField()
    ok = serializers.BooleanField()
    latency_ms = serializers.IntegerField()


class LlmChoiceInputSerializer(api_serializers.Serializer):
    provider = serializers.CharField(allow_null=True, max_length=20)
    model = serializers.CharField(
        allow_null=True, required=False, allow_blank=True, max_length=registry.MODEL_NAME_MAX_LENGTH
    )


class EffectiveChoiceSerializer(api_serializers.Serializer):
    provider = serializers.CharField()
    model = serializers.CharField()
    source = serializers.ChoiceField(choices=["project", "user", "default"])
    has_key = serializers.BooleanField(help_text="Whether a call can be made with this choice.")


class LlmChoiceSerializer(api_serializers.Serializer):
    provider = serializers.CharField(allow_null=True)
    model = serializers.CharField(allow_null=True)
    effective = EffectiveChoiceSerializer()


class ModelPriceSerializer(api_serializers.Serializer):
    name = serializers.CharField()
    input_per_1k_usd = serializers.DecimalField(max_digits=12, decimal_places=6)
    output_per_1k_usd = serializers.DecimalField(max_digits=12, decimal_places=6)


class ProviderSerializer(api_serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    default_model = serializers.CharField()
    models = ModelPriceSerializer(many=True)
    requires_key = serializers.BooleanField()
    accepts_any_model = serializers.BooleanField()
    has_key = serializers.BooleanField()
    key_help = serializers.CharField()


class UsageFilterSerializer(api_serializers.Serializer):
    period = serializers.ChoiceField(
        choices=list(PERIODS), required=False, help_text="Rolling window ending now (month)."
    )
    project = serializers.UUIDField(required=False)
    # The list inside the report is paginated; the report itself is not a list.
    cursor = serializers.CharField(required=False, help_text="Pagination cursor of `results`.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=200, help_text="Calls per page (50)."
    )


class UsageSerializer(api_serializers.ModelSerializer):
    project_id = serializers.UUIDField(allow_null=True)
    session_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = LlmUsage
        fields = [
            "id",
            "provider",
            "model",
            "project_id",
            "session_id",
            "tokens_input",
            "tokens_output",
            "tokens_total",
            "cost_usd",
            "latency_ms",
            "timestamp",
        ]
        read_only_fields = fields


class UsageTotalsSerializer(api_serializers.Serializer):
    calls = serializers.IntegerField()
    tokens_input = serializers.IntegerField()
    tokens_output = serializers.IntegerField()
    tokens_total = serializers.IntegerField()
    cost_usd = serializers.DecimalField(max_digits=14, decimal_places=6)


class UsageGroupSerializer(UsageTotalsSerializer):
    provider = serializers.CharField()
    model = serializers.CharField()


class UsageReportSerializer(api_serializers.Serializer):
    period = serializers.CharField()
    since = serializers.DateTimeField()
    project = serializers.UUIDField(allow_null=True)
    totals = UsageTotalsSerializer()
    by_provider_model = UsageGroupSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = UsageSerializer(many=True)

"""v2 endpoints for LLM providers: keys, provider and model choices, the registry, usage."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from auth_app.selectors.api_keys import api_key_list
from auth_app.services import api_keys as services_api_keys
from socrates.api.pagination import cursor_pagination
from socrates.api.throttles import ScopedThrottle
from socrates.api.views import ApiView
from specs_app import selectors as project_selectors
from specs_app.api import llm_serializers as s
from specs_app.llm import registry
from specs_app.llm import selectors as usage_selectors
from specs_app.llm import services as llm_services
from specs_app.llm.selection import resolve_llm


class ApiKeyListCreateView(ApiView):
    phase = 3  # api_keys, user_llm_defaults, llm_usage_tracking
    serializer_classes = {"v2": s.ApiKeySerializer}
    pagination_classes = {"v2": cursor_pagination("provider", "id")}
    list_methods = ("GET",)

    @extend_schema(responses=s.ApiKeySerializer(many=True))
    def get(self, request):
        """List the caller's keys: provider, last four characters and dates only."""
        return self.paginated_response(api_key_list(user=request.user))

    @extend_schema(
        request=s.ApiKeyCreateSerializer,
        responses={200: s.ApiKeySerializer, 201: s.ApiKeySerializer},
    )
    def post(self, request):
        """Store the caller's key for a provider, replacing any previous one (201 or 200)."""
        serializer = s.ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, created = llm_services.api_key_store(
            user=request.user, request=request, **serializer.validated_data
        )
        return Response(
            s.ApiKeySerializer(row).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ApiKeyDetailView(ApiView):
    phase = 3  # api_keys, user_llm_defaults, llm_usage_tracking

    @extend_schema(responses={204: None})
    def delete(self, request, provider):
        """Delete the caller's key for a provider."""
        services_api_keys.api_key_delete(user=request.user, provider=provider, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiKeyVerifyView(ApiView):
    phase = 3  # api_keys, user_llm_defaults, llm_usage_tracking
    throttle_classes = [ScopedThrottle]
    throttle_scopes = {"POST": "llm"}

    @extend_schema(request=None, responses=s.ApiKeyVerifySerializer)
    def post(self, request, provider):
        """Check the stored key with one tiny call (provider errors: 400, 429, 504, 502)."""
        result = llm_services.llm_verify_key(user=request.user, provider=provider)
        body = {
            "provider": result.provider,
            "model": result.model,
            "ok": True,
            "latency_ms": result.latency_ms,
        }
        return Response(s.ApiKeyVerifySerializer(body).data)


class ProviderListView(ApiView):
    phase = 3  # api_keys, user_llm_defaults, llm_usage_tracking
    # A short fixed list: answered whole, as a bare array (the schema says so too).
    pagination_class = None

    @extend_schema(responses=s.ProviderSerializer(many=True))
    def get(self, request):
        """List the providers, their models and prices (USD per 1,000 tokens)."""
        keyed = set(
            api_key_list(user=request.user)
            .filter(is_active=True)
            .values_list("provider", flat=True)
        )
        data = [
            {
                "name": provider.name,
                "label": provider.label,
                "default_model": provider.default_model,
                "models": [
                    {
                        "name": name,
                        "input_per_1k_usd": price.input_per_1k,
                        "output_per_1k_usd": price.output_per_1k,
                    }
                    for name, price in provider.models.items()
                ],
                "requires_key": provider.requires_key,
                "accepts_any_model": provider.open_model_list,
                "has_key": provider.name in keyed,
                "key_help": provider.key_help,
            }
            for provider in registry.PROVIDERS.values()
        ]
        return Response(s.ProviderSerializer(data, many=True).data)


def _choice_body(*, provider, model, user, project=None) -> dict:
    effective = resolve_llm(user=user, project=project)
    ready = llm_services.llm_ready(user=user, project=project)
    return {
        "provider": provider,
        "model": model,
        "effective": {
            "provider": effective.provider,
            "model": effective.model,
            "source": effective.source,
            "has_key": ready is not None,
        },
    }


class MeLlmView(ApiView):
    phase = 3  # api_keys, user_llm_defaults, llm_usage_tracking

    @extend_schema(responses=s.LlmChoiceSerializer)
    def get(self, request):
        """Show the caller's default provider and model, and what a call would use."""
        user = request.user
        body = _choice_body(
            provider=user.default_llm_provider, model=user.default_llm_model, user=user
        )
        return Response(s.LlmChoiceSerializer(body).data)

    @extend_schema(request=s.LlmChoiceInputSerializer, responses=s.LlmChoiceSerializer)
    def put(self, request):
        """Set the caller's default provider and model (provider null clears both)."""
        serializer = s.LlmChoiceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = llm_services.user_llm_default_set(
            user=request.user,
            provider=serializer.validated_data["provider"],
            model=serializer.validated_data.get("model"),
        )
        body = _choice_body(
            provider=user.default_llm_provider, model=user.default_llm_model, user=user
        )
        return Response(s.LlmChoiceSerializer(body).data)


class ProjectLlmView(ApiView):
    phase = 4  # project_llm_choices

    @extend_schema(responses=s.LlmChoiceSerializer)
    def get(self, request, project_id):
        """Show the project's provider and model, and what a call by the caller would use."""
        project, _ = project_selectors.project_get(
            user=request.user, project_id=project_id, needed="read"
        )
        body = _choice_body(
            provider=project.llm_provider,
            model=project.llm_model,
            user=request.user,
            project=project,
        )
        return Response(s.LlmChoiceSerializer(body).data)

    @extend_schema(request=s.LlmChoiceInputSerializer, responses=s.LlmChoiceSerializer)
    def put(self, request, project_id):
        """Set the project's provider and model (provider null falls back to each user's)."""
        project, _ = project_selectors.project_get(
            user=request.user, project_id=project_id, needed="write"
        )
        serializer = s.LlmChoiceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = llm_services.project_llm_set(
            project=project,
            provider=serializer.validated_data["provider"],
            model=serializer.validated_data.get("model"),
        )
        body = _choice_body(
            provider=project.llm_provider,
            model=project.llm_model,
            user=request.user,
            project=project,
        )
        return Response(s.LlmChoiceSerializer(body).data)


class UsageView(ApiView):
    phase = 3  # api_keys, user_llm_defaults, llm_usage_tracking
    serializer_classes = {"v2": s.UsageSerializer}
    filter_serializer_class = s.UsageFilterSerializer
    pagination_classes = {"v2": cursor_pagination("-timestamp", "-id")}

    @extend_schema(responses=s.UsageReportSerializer)
    def get(self, request):
        """The caller's calls in the period (newest first) with totals per provider and model.

        period is a rolling window ending now: day (24 h), week (7 days) or month (30 days,
        the default). The totals cover the whole period, whatever the page.
        """
        filters = self.query_filters()
        usage_filter = usage_selectors.usage_filter(
            period=filters.get("period"), project=filters.get("project")
        )
        rows = usage_selectors.usage_list(user_id=request.user.pk, filters=usage_filter)
        page = self.paginate_queryset(rows)
        totals = usage_selectors.usage_totals(user_id=request.user.pk, filters=usage_filter)
        body = {
            "period": usage_filter.period,
            "since": usage_filter.since,
            "project": usage_filter.project_id,
            **totals,
            "next": self.paginator.get_next_link(),
            "previous": self.paginator.get_previous_link(),
            "results": page,
        }
        return Response(s.UsageReportSerializer(body).data)

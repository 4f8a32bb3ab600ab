"""v2 endpoints of the Socratic engine and quality control.

Each view checks access through specs_app.selectors, validates with a serializer and calls one
service of specs_app.engine.services (or auth_app.rules). Access: next question, answers and
compatibility runs need ``write``; readiness and test results need ``read``; advancing the
phase needs the project's owner.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from auth_app import rules as rules_service
from socrates.api.pagination import cursor_pagination
from socrates.api.schema import ErrorSerializer
from socrates.api.throttles import ScopedThrottle
from socrates.api.views import ApiView
from socrates.errors import Conflict
from specs_app import selectors
from specs_app.api import engine_serializers as s
from specs_app.engine import selectors as engine_selectors
from specs_app.engine import services as engine


class NextQuestionView(ApiView):
    throttle_classes = [ScopedThrottle]
    throttle_scopes = {"POST": "llm"}
    serializer_classes = {"v2": s.NextQuestionSerializer}
    created_methods = ("POST",)
    conflict_methods = ("POST",)

    @extend_schema(request=None)
    def post(self, request, session_id):
        """Ask the next question: the least covered category's best unasked template (write).

        409 when the session is paused or ended, or when every template was asked.
        """
        session, _access = selectors.session_get(
            user=request.user, session_id=session_id, needed="write"
        )
        asked = engine.next_question(session=session, user=request.user)
        return Response(self.get_serializer(asked).data, status=status.HTTP_201_CREATED)


class AnswerView(ApiView):
    serializer_classes = {"v2": s.AnswerInputSerializer}
    created_methods = ("POST",)
    conflict_methods = ("POST",)

    @extend_schema(
        request=s.AnswerInputSerializer,
        responses={
            201: s.AnswerOutcomeSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="The session is not active, the question was answered already, "
                "or the answer conflicts: details list the conflicts and the pending "
                "specifications (the turn and the other specifications are stored).",
            ),
        },
    )
    def post(self, request, session_id):
        """Answer a question: store the turn and the specifications it states (write)."""
        session, access = selectors.session_get(
            user=request.user, session_id=session_id, needed="write"
        )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = engine.answer_submit(
            session=session,
            user=request.user,
            role=engine.user_role(access),
            **serializer.validated_data,
        )
        body = s.AnswerOutcomeSerializer(outcome).data
        if outcome.conflicts:
            raise Conflict(
                f"The answer conflicts with {len(outcome.conflicts)} current specification(s) "
                "or rule(s); the conflicting specifications wait for resolution.",
                details=body,
                code="specification_conflict",
            )
        return Response(body, status=status.HTTP_201_CREATED)


class MyRulesView(ApiView):
    phase = 1  # user_rules
    serializer_classes = {"v2": s.RulesSerializer}

    def get(self, request):
        """Return the user's rules document (it applies to all of their projects)."""
        row = rules_service.rules_get(user=request.user)
        return Response(self.get_serializer(row).data)

    def put(self, request):
        """Replace the user's rules document; unknown keys are a 400 naming them."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = rules_service.rules_set(
            user=request.user, rules=serializer.validated_data["rules"], request=request
        )
        return Response(self.get_serializer(row).data)


class ReadinessView(ApiView):
    serializer_classes = {"v2": s.ReadinessSerializer}

    @extend_schema(request=None)
    def post(self, request, project_id):
        """Assess readiness (stored as a quality metric) and list what is missing (read)."""
        project, _access = selectors.project_get(user=request.user, project_id=project_id)
        result = engine.readiness_assess(project=project)
        return Response(self.get_serializer(result).data)


class AdvancePhaseView(ApiView):
    serializer_classes = {"v2": s.PhaseAdvanceInputSerializer}
    conflict_methods = ("POST",)

    @extend_schema(request=s.PhaseAdvanceInputSerializer, responses=s.PhaseAdvanceSerializer)
    def post(self, request, project_id):
        """Move the project to its next phase through the gate (owner; override audited).

        409 when the gate fails and no override is given: details list the failed checks.
        """
        project, _access = selectors.project_get(
            user=request.user, project_id=project_id, needed="owner"
        )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        advance = engine.phase_advance(
            project=project, user=request.user, request=request, **serializer.validated_data
        )
        return Response(s.PhaseAdvanceSerializer(advance).data)


class CompatibilityTestView(ApiView):
    phase = 2  # test_results
    serializer_classes = {"v2": s.TestResultSerializer}
    created_methods = ("POST",)

    @extend_schema(request=None)
    def post(self, request, project_id):
        """Test the current tech stack against the compatibility matrix (write)."""
        project, _access = selectors.project_get(
            user=request.user, project_id=project_id, needed="write"
        )
        result = engine.compatibility_run(project=project, trigger="manual")
        return Response(self.get_serializer(result).data, status=status.HTTP_201_CREATED)


class TestResultListView(ApiView):
    phase = 2  # test_results
    __test__ = False  # not a pytest test class

    serializer_classes = {"v2": s.TestResultSerializer}
    filter_serializer_class = s.TestResultFilterSerializer
    pagination_classes = {"v2": cursor_pagination("-created_at", "-id")}
    list_methods = ("GET",)

    def get(self, request, project_id):
        """List a project's test results, newest first (read)."""
        project, _access = selectors.project_get(user=request.user, project_id=project_id)
        return self.paginated_response(
            engine_selectors.test_result_list(project=project, filters=self.query_filters())
        )


class TestResultDetailView(ApiView):
    phase = 2  # test_results
    __test__ = False

    serializer_classes = {"v2": s.TestResultSerializer}

    def get(self, request, project_id, result_id):
        """Return one test result of a project (read)."""
        project, _access = selectors.project_get(user=request.user, project_id=project_id)
        result = engine_selectors.test_result_get(project=project, result_id=result_id)
        return Response(self.get_serializer(result).data)

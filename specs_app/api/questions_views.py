"""Question views: a session's and a project's questions; v1 stores a hand-written question as
given, v2 holds it to the bank's bias check."""

from rest_framework import status
from rest_framework.response import Response

from socrates.api.views import ApiView
from specs_app import selectors, services
from specs_app.api import projects_serializers as s
from specs_app.api.common import paginations
from specs_app.engine import services as engine_services

QUESTION_SERIALIZERS = {"v1": s.QuestionV1Serializer, "v2": s.QuestionV2Serializer}


class SessionQuestionListView(ApiView):
    serializer_classes = QUESTION_SERIALIZERS
    filter_serializer_class = s.QuestionFilterSerializer
    pagination_classes = paginations("created_at", "id")
    list_methods = ("GET",)
    created_methods = ("POST",)
    conflict_methods = ("POST",)

    def get(self, request, session_id):
        """List a session's questions, oldest first."""
        session, _access = selectors.session_get(user=request.user, session_id=session_id)
        return self.paginated_response(
            selectors.question_list(session=session, filters=self.query_filters())
        )

    def post(self, request, session_id):
        """Record a question asked in a session (write)."""
        session, _access = selectors.session_get(
            user=request.user, session_id=session_id, needed="write"
        )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = self.create_question(session, serializer.validated_data)
        return Response(self.get_serializer(question).data, status=status.HTTP_201_CREATED)

    def create_question(self, session, data):
        # v2 holds hand-written questions to the bank's rule: a biased one is refused and never
        # stored, and the quality score is the bias check's, not the client's.
        return engine_services.question_ask(
            session=session,
            text=data["text"],
            category=data["category"],
            context=data.get("context", ""),
            template_id=data.get("template_id"),
        )


class SessionQuestionListV1View(SessionQuestionListView):
    """v1's frozen contract stores a hand-written question as given."""

    def create_question(self, session, data):
        return services.question_create(session=session, **data)


class ProjectQuestionListView(ApiView):
    serializer_classes = QUESTION_SERIALIZERS
    filter_serializer_class = s.QuestionFilterSerializer
    pagination_classes = paginations("created_at", "id")
    list_methods = ("GET",)

    def get(self, request, project_id):
        """List the questions of every session of a project, oldest first."""
        project, _access = selectors.project_get(user=request.user, project_id=project_id)
        return self.paginated_response(
            selectors.question_list(project=project, filters=self.query_filters())
        )


class QuestionDetailView(ApiView):
    serializer_classes = QUESTION_SERIALIZERS

    def get(self, request, question_id):
        """Return a question."""
        question, _access = selectors.question_get(user=request.user, question_id=question_id)
        return Response(self.get_serializer(question).data)

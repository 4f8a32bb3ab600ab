"""Session views: list and start (write), read, pause, resume, end, history, v1's answers."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from socrates.api.deprecation import deprecated
from socrates.api.views import ApiView
from specs_app import selectors, services
from specs_app.api import projects_serializers as s
from specs_app.api.common import both, paginations


class ProjectSessionListView(ApiView):
    serializer_classes = both(s.SessionSerializer)
    filter_serializer_class = s.SessionFilterSerializer
    pagination_classes = paginations("-started_at", "-id")
    list_methods = ("GET",)
    created_methods = ("POST",)
    conflict_methods = ("POST",)

    def get(self, request, project_id):
        """List a project's sessions, newest first."""
        project, _access = selectors.project_get(user=request.user, project_id=project_id)
        return self.paginated_response(
            selectors.session_list(project=project, filters=self.query_filters())
        )

    def post(self, request, project_id):
        """Start a session on a project (write)."""
        project, _access = selectors.project_get(
            user=request.user, project_id=project_id, needed="write"
        )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.session_create(project=project, **serializer.validated_data)
        return Response(self.get_serializer(session).data, status=status.HTTP_201_CREATED)


class SessionDetailView(ApiView):
    serializer_classes = both(s.SessionSerializer)

    def get(self, request, session_id):
        """Return a session."""
        session, _access = selectors.session_get(user=request.user, session_id=session_id)
        return Response(self.get_serializer(session).data)


class SessionPauseView(ApiView):
    serializer_classes = both(s.SessionSerializer)
    conflict_methods = ("POST",)
    operation = staticmethod(services.session_pause)

    @extend_schema(request=None)
    def post(self, request, session_id):
        """Pause an active session (write)."""
        session, _access = selectors.session_get(
            user=request.user, session_id=session_id, needed="write"
        )
        return Response(self.get_serializer(self.operation(session=session)).data)


class SessionResumeView(SessionPauseView):
    operation = staticmethod(services.session_resume)

    @extend_schema(request=None)
    def post(self, request, session_id):
        """Resume a paused session (write)."""
        return super().post(request, session_id)


class SessionEndView(SessionPauseView):
    operation = staticmethod(services.session_end)

    @extend_schema(request=None)
    def post(self, request, session_id):
        """End an active or paused session (write)."""
        return super().post(request, session_id)


class SessionHistoryView(ApiView):
    serializer_classes = both(s.ConversationTurnSerializer)
    pagination_classes = paginations("created_at", "id")
    list_methods = ("GET",)

    def get(self, request, session_id):
        """Return a session's conversation, oldest first."""
        session, _access = selectors.session_get(user=request.user, session_id=session_id)
        return self.paginated_response(selectors.conversation_list(session=session))


class SessionAnswerView(ApiView):
    serializer_classes = both(s.ConversationTurnSerializer)
    created_methods = ("POST",)
    conflict_methods = ("POST",)

    @extend_schema(request=s.AnswerSerializer, responses=s.ConversationTurnSerializer)
    def post(self, request, session_id):
        """Store the user's answer in an active session's conversation (write)."""
        return self._answer(request, session_id)

    def _answer(self, request, session_id):
        session, _access = selectors.session_get(
            user=request.user, session_id=session_id, needed="write"
        )
        serializer = s.AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        turn = services.answer_record(
            session=session, user_id=request.user.pk, **serializer.validated_data
        )
        return Response(self.get_serializer(turn).data, status=status.HTTP_201_CREATED)


class SessionSubmitAnswerView(SessionAnswerView):
    """The legacy alias of POST /api/v1/sessions/{id}/answer/."""

    @extend_schema(request=s.AnswerSerializer, responses=s.ConversationTurnSerializer)
    @deprecated(
        since="2026-11-01",
        sunset="2027-11-01",
        successor="v1:session-answer",
        successor_method="POST",
        doc="/api/v1/docs/",
    )
    def post(self, request, session_id):
        """Store an answer (deprecated alias of POST /api/v1/sessions/{id}/answer/)."""
        return self._answer(request, session_id)

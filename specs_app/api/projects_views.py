"""Views of the phase-0 resources, shared by /api/v1/ and /api/v2/.

Each view translates HTTP into one selector (access check included) and one service call; the
version only picks the serializer and the pagination (socrates.api.views.ApiView). Access
levels: reading needs ``read``; changing sessions, questions, answers, specifications,
conflicts and a project's fields needs ``write``; archiving and restoring a project needs
``admin``. See specs_app.selectors for who has which level.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from socrates.api.deprecation import deprecated
from socrates.api.pagination import SkipLimitPagination, cursor_pagination
from socrates.api.views import ApiView
from specs_app import selectors, services
from specs_app.api import projects_serializers as s
from specs_app.engine import services as engine_services

PROJECT_SERIALIZERS = {"v1": s.ProjectV1Serializer, "v2": s.ProjectV2Serializer}
QUESTION_SERIALIZERS = {"v1": s.QuestionV1Serializer, "v2": s.QuestionV2Serializer}


def _both(serializer) -> dict:
    return {"v1": serializer, "v2": serializer}


def _paginations(*ordering: str) -> dict:
    return {"v1": SkipLimitPagination, "v2": cursor_pagination(*ordering)}


# --- Projects --------------------------------------------------------------------------------


class ProjectListView(ApiView):
    serializer_classes = PROJECT_SERIALIZERS
    filter_serializer_class = {"v1": s.ProjectFilterV1Serializer, "v2": s.ProjectFilterV2Serializer}
    list_methods = ("GET",)
    created_methods = ("POST",)

    def get(self, request):
        """List the projects the user owns or reaches through a team, newest first."""
        projects = selectors.project_list(user=request.user, filters=self.query_filters())
        return self.paginated_response(projects)

    def post(self, request):
        """Create a project owned by the user."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_create(owner_id=request.user.pk, **serializer.validated_data)
        return Response(self.get_serializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(ApiView):
    serializer_classes = PROJECT_SERIALIZERS
    conflict_methods = ("PUT", "PATCH")

    def get(self, request, project_id):
        """Return a project."""
        project, _access = selectors.project_get(user=request.user, project_id=project_id)
        return Response(self.get_serializer(project).data)

    def put(self, request, project_id):
        """Replace a project's fields (name required)."""
        return self._update(request, project_id, partial=False)

    def patch(self, request, project_id):
        """Change some of a project's fields."""
        return self._update(request, project_id, partial=True)

    def _update(self, request, project_id, *, partial: bool):
        project, _access = selectors.project_get(
            user=request.user, project_id=project_id, needed="write"
        )
        serializer = self.get_serializer(project, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        project = engine_services.project_edit(
            project=project, user=request.user, request=request, **serializer.validated_data
        )
        return Response(self.get_serializer(project).data)


class ProjectDetailV1View(ProjectDetailView):
    """v1 adds DELETE, which archives (its legacy meaning) and is deprecated."""

    @extend_schema(responses={204: None})
    @deprecated(
        since="2026-11-01",
        sunset="2027-11-01",
        successor="v2:project-archive",
        successor_method="POST",
        doc="/api/v2/docs/",
    )
    def delete(self, request, project_id):
        """Archive a project (deprecated: use POST /api/v2/projects/{id}/archive/)."""
        project, _access = selectors.project_get(
            user=request.user, project_id=project_id, needed="admin"
        )
        services.project_archive(project=project)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectArchiveView(ApiView):
    serializer_classes = PROJECT_SERIALIZERS
    conflict_methods = ("POST",)
    operation = staticmethod(services.project_archive)

    @extend_schema(request=None)
    def post(self, request, project_id):
        """Archive a project (admin); archiving twice changes nothing."""
        project, _access = selectors.project_get(
            user=request.user, project_id=project_id, needed="admin"
        )
        project = self.operation(project=project)
        return Response(self.get_serializer(project).data)


class ProjectRestoreView(ProjectArchiveView):
    operation = staticmethod(services.project_restore)

    @extend_schema(request=None)
    def post(self, request, project_id):
        """Restore an archived project to active (admin)."""
        return super().post(request, project_id)


# --- Sessions --------------------------------------------------------------------------------


class ProjectSessionListView(ApiView):
    serializer_classes = _both(s.SessionSerializer)
    filter_serializer_class = s.SessionFilterSerializer
    pagination_classes = _paginations("-started_at", "-id")
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
    serializer_classes = _both(s.SessionSerializer)

    def get(self, request, session_id):
        """Return a session."""
        session, _access = selectors.session_get(user=request.user, session_id=session_id)
        return Response(self.get_serializer(session).data)


class SessionPauseView(ApiView):
    serializer_classes = _both(s.SessionSerializer)
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
    serializer_classes = _both(s.ConversationTurnSerializer)
    pagination_classes = _paginations("created_at", "id")
    list_methods = ("GET",)

    def get(self, request, session_id):
        """Return a session's conversation, oldest first."""
        session, _access = selectors.session_get(user=request.user, session_id=session_id)
        return self.paginated_response(selectors.conversation_list(session=session))


class SessionAnswerView(ApiView):
    serializer_classes = _both(s.ConversationTurnSerializer)
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


# --- Questions -------------------------------------------------------------------------------


class SessionQuestionListView(ApiView):
    serializer_classes = QUESTION_SERIALIZERS
    filter_serializer_class = s.QuestionFilterSerializer
    pagination_classes = _paginations("created_at", "id")
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
    pagination_classes = _paginations("created_at", "id")
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


# --- Specifications --------------------------------------------------------------------------


class ProjectSpecificationListView(ApiView):
    serializer_classes = _both(s.SpecificationSerializer)
    filter_serializer_class = s.SpecificationFilterSerializer
    pagination_classes = _paginations("-created_at", "-id")
    list_methods = ("GET",)
    created_methods = ("POST",)
    conflict_methods = ("POST",)

    def get(self, request, project_id):
        """List a project's specifications: every version unless is_current is given."""
        project, _access = selectors.project_get(user=request.user, project_id=project_id)
        return self.paginated_response(
            selectors.specification_list(project=project, filters=self.query_filters())
        )

    def post(self, request, project_id):
        """Create the first current version of a key (write); 409 if the key has one."""
        project, _access = selectors.project_get(
            user=request.user, project_id=project_id, needed="write"
        )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        session = selectors.session_in_project(
            project=project, session_id=data.pop("session_id", None)
        )
        spec = services.specification_create(project=project, session=session, **data)
        return Response(self.get_serializer(spec).data, status=status.HTTP_201_CREATED)


class SpecificationDetailView(ApiView):
    serializer_classes = _both(s.SpecificationSerializer)
    conflict_methods = ("PUT", "PATCH", "DELETE")

    def get(self, request, spec_id):
        """Return one version of a specification."""
        spec, _access = selectors.specification_get(user=request.user, spec_id=spec_id)
        return Response(self.get_serializer(spec).data)

    @extend_schema(request=s.SpecificationUpdateSerializer)
    def put(self, request, spec_id):
        """Write a new current version (value required); the old one stays in history."""
        return self._update(request, spec_id, partial=False)

    @extend_schema(request=s.SpecificationUpdateSerializer)
    def patch(self, request, spec_id):
        """Write a new current version changing only the given fields."""
        return self._update(request, spec_id, partial=True)

    def delete(self, request, spec_id):
        """Retire the current version (write): it stays in history, not current."""
        spec, _access = selectors.specification_get(
            user=request.user, spec_id=spec_id, needed="write"
        )
        services.specification_delete(spec=spec)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, spec_id, *, partial: bool):
        spec, _access = selectors.specification_get(
            user=request.user, spec_id=spec_id, needed="write"
        )
        serializer = s.SpecificationUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "session_id" in data:
            data["session"] = selectors.session_in_project(
                project=spec.project, session_id=data.pop("session_id")
            )
        new = services.specification_update(spec=spec, **data)
        return Response(self.get_serializer(new).data)


class SpecificationVersionsView(ApiView):
    serializer_classes = _both(s.SpecificationSerializer)
    pagination_classes = _paginations("created_at", "id")
    list_methods = ("GET",)

    def get(self, request, spec_id):
        """List every version of this specification's key, oldest first."""
        spec, _access = selectors.specification_get(user=request.user, spec_id=spec_id)
        return self.paginated_response(selectors.specification_versions(spec=spec))


# --- Conflicts -------------------------------------------------------------------------------


class ProjectConflictListView(ApiView):
    serializer_classes = _both(s.ConflictSerializer)
    filter_serializer_class = s.ConflictFilterSerializer
    pagination_classes = _paginations("-detected_at", "-id")
    list_methods = ("GET",)

    def get(self, request, project_id):
        """List a project's conflicts, newest first (filter by status, severity, type)."""
        project, _access = selectors.project_get(user=request.user, project_id=project_id)
        return self.paginated_response(
            selectors.conflict_list(project=project, filters=self.query_filters())
        )


class ConflictDetailView(ApiView):
    serializer_classes = _both(s.ConflictSerializer)

    def get(self, request, conflict_id):
        """Return a conflict."""
        conflict, _access = selectors.conflict_get(user=request.user, conflict_id=conflict_id)
        return Response(self.get_serializer(conflict).data)


class ConflictResolveView(ApiView):
    serializer_classes = _both(s.ConflictSerializer)
    conflict_methods = ("POST",)

    @extend_schema(request=s.ConflictResolveSerializer, responses=s.ConflictSerializer)
    def post(self, request, conflict_id):
        """Resolve an open conflict: keep_old, replace, merge (with merged_value) or ignore."""
        conflict, _access = selectors.conflict_get(
            user=request.user, conflict_id=conflict_id, needed="write"
        )
        serializer = s.ConflictResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conflict = services.conflict_resolve(
            conflict=conflict, user_id=request.user.pk, **serializer.validated_data
        )
        return Response(self.get_serializer(conflict).data)

"""Conflict views: list, read, resolve."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from socrates.api.views import ApiView
from specs_app import selectors, services
from specs_app.api import projects_serializers as s
from specs_app.api.common import both, paginations


class ProjectConflictListView(ApiView):
    serializer_classes = both(s.ConflictSerializer)
    filter_serializer_class = s.ConflictFilterSerializer
    pagination_classes = paginations("-detected_at", "-id")
    list_methods = ("GET",)

    def get(self, request, project_id):
        """List a project's conflicts, newest first (filter by status, severity, type)."""
        project, _access = selectors.project_get(user=request.user, project_id=project_id)
        return self.paginated_response(
            selectors.conflict_list(project=project, filters=self.query_filters())
        )


class ConflictDetailView(ApiView):
    serializer_classes = both(s.ConflictSerializer)

    def get(self, request, conflict_id):
        """Return a conflict."""
        conflict, _access = selectors.conflict_get(user=request.user, conflict_id=conflict_id)
        return Response(self.get_serializer(conflict).data)


class ConflictResolveView(ApiView):
    serializer_classes = both(s.ConflictSerializer)
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

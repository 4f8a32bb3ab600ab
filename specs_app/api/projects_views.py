"""Project views, shared by /api/v1/ and /api/v2/: list, create, read, change (a phase change
goes through the gate), archive and restore (admin level)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from socrates.api.deprecation import deprecated
from socrates.api.views import ApiView
from specs_app import selectors, services
from specs_app.api import projects_serializers as s
from specs_app.engine import services as engine_services

PROJECT_SERIALIZERS = {"v1": s.ProjectV1Serializer, "v2": s.ProjectV2Serializer}


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

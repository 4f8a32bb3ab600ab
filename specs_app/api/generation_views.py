"""v2 endpoints for code generation: start one, follow it, list and download its files.

Starting a generation needs write access to the project; reading needs read access. The POST
answers 202 with the generation's status URL; the work runs after the response (or inline
when settings.GENERATION_RUN_INLINE is true).
"""

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from socrates.api.pagination import cursor_pagination
from socrates.api.throttles import ScopedThrottle
from socrates.api.views import ApiView
from socrates.errors import Conflict
from specs_app import selectors as project_selectors
from specs_app.api import generation_serializers as s
from specs_app.generation import selectors, services
from specs_app.generation.archive import archive_name, generation_archive
from specs_app.models import GeneratedProject


def _generation(request, project_id, version, needed="read"):
    project, _ = project_selectors.project_get(
        user=request.user, project_id=project_id, needed=needed
    )
    return project, selectors.generation_get(project=project, version=version)


class GenerationListCreateView(ApiView):
    phase = 4  # generated_projects
    throttle_classes = [ScopedThrottle]
    throttle_scopes = {"POST": "generation"}
    serializer_classes = {"v2": s.GenerationSerializer}
    pagination_classes = {"v2": cursor_pagination("-generation_version")}
    list_methods = ("GET",)
    conflict_methods = ("POST",)

    @extend_schema(responses=s.GenerationSerializer(many=True))
    def get(self, request, project_id):
        """List the project's generations, newest first."""
        project, _ = project_selectors.project_get(
            user=request.user, project_id=project_id, needed="read"
        )
        return self.paginated_response(selectors.generation_list(project=project))

    @extend_schema(request=None, responses={202: s.GenerationSerializer})
    def post(self, request, project_id):
        """Start generation n+1 if the gates pass (409 names each failed gate)."""
        project, _ = project_selectors.project_get(
            user=request.user, project_id=project_id, needed="write"
        )
        generation = services.generation_start(project=project)
        body = s.GenerationSerializer(generation, context={"request": request}).data
        return Response(
            body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]}
        )


class GenerationDetailView(ApiView):
    phase = 4  # generated_projects
    serializer_classes = {"v2": s.GenerationSerializer}

    @extend_schema(responses=s.GenerationSerializer)
    def get(self, request, project_id, version):
        """Show a generation's status, counts and scores."""
        _, generation = _generation(request, project_id, version)
        return Response(s.GenerationSerializer(generation, context={"request": request}).data)


class GenerationDownloadView(ApiView):
    phase = 4  # generated_projects
    conflict_methods = ("GET",)

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request, project_id, version):
        """Stream a zip of the generation's files (409 until it has completed)."""
        project, generation = _generation(request, project_id, version)
        if generation.generation_status != GeneratedProject.Status.COMPLETED:
            raise Conflict(
                f"Generation {generation.generation_version} is {generation.generation_status}; "
                "only a completed generation can be downloaded.",
                details={"status": generation.generation_status},
            )
        return FileResponse(
            generation_archive(generation=generation),
            as_attachment=True,
            filename=archive_name(generation, project.name),
            content_type="application/zip",
        )


class GenerationFileListView(ApiView):
    phase = 4  # generated_projects
    serializer_classes = {"v2": s.GeneratedFileSerializer}
    pagination_classes = {"v2": cursor_pagination("file_path")}
    list_methods = ("GET",)

    @extend_schema(responses=s.GeneratedFileSerializer(many=True))
    def get(self, request, project_id, version):
        """List the generation's files: path, size and the specifications each implements."""
        _, generation = _generation(request, project_id, version)
        return self.paginated_response(selectors.generation_files(generation=generation))


class GenerationFileDetailView(ApiView):
    phase = 4  # generated_projects
    serializer_classes = {"v2": s.GeneratedFileContentSerializer}

    @extend_schema(responses=s.GeneratedFileContentSerializer)
    def get(self, request, project_id, version, path):
        """Show one generated file with its content."""
        _, generation = _generation(request, project_id, version)
        found = selectors.generation_file_get(generation=generation, path=path)
        return Response(s.GeneratedFileContentSerializer(found).data)

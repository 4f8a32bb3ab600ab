"""Specification views: list, create, read, new version, history of a key."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from socrates.api.views import ApiView
from specs_app import selectors, services
from specs_app.api import projects_serializers as s
from specs_app.api.common import both, paginations


class ProjectSpecificationListView(ApiView):
    serializer_classes = both(s.SpecificationSerializer)
    filter_serializer_class = s.SpecificationFilterSerializer
    pagination_classes = paginations("-created_at", "-id")
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
    serializer_classes = both(s.SpecificationSerializer)
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
    serializer_classes = both(s.SpecificationSerializer)
    pagination_classes = paginations("created_at", "id")
    list_methods = ("GET",)

    def get(self, request, spec_id):
        """List every version of this specification's key, oldest first."""
        spec, _access = selectors.specification_get(user=request.user, spec_id=spec_id)
        return self.paginated_response(selectors.specification_versions(spec=spec))

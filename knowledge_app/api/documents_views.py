"""/api/v2/ knowledge base: a project's documents (upload, list, get, delete) and search.

Reading (list, get, search) needs ``read`` on the project; uploading and deleting need
``write`` (specs_app.selectors decides who has which level). An upload is embedded in the
request when the model is available; otherwise it is stored anyway and the backfill embeds it.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from knowledge_app import selectors, services
from knowledge_app.api import documents_serializers as s
from knowledge_app.embeddings import configured_model_name
from socrates.api.pagination import cursor_pagination
from socrates.api.throttles import ScopedThrottle
from socrates.api.views import ApiView
from specs_app.selectors import project_get


class DocumentListView(ApiView):
    phase = 5  # knowledge_base_documents
    throttle_classes = [ScopedThrottle]
    throttle_scopes = {"POST": "upload"}
    serializer_classes = {"v2": s.DocumentSerializer}
    pagination_classes = {"v2": cursor_pagination("-uploaded_at", "-id")}
    list_methods = ("GET",)
    created_methods = ("POST",)

    def get(self, request, project_id):
        """List a project's knowledge documents, newest first (without their text)."""
        project, _access = project_get(user=request.user, project_id=project_id)
        return self.paginated_response(selectors.document_list(project=project))

    @extend_schema(
        request=s.DocumentUploadSerializer,
        responses={201: s.DocumentSerializer, 200: s.DocumentSerializer},
    )
    def post(self, request, project_id):
        """Add a document: a UTF-8 text `file` (multipart) or `filename` + `content` (JSON).

        Answers at once with `embedding_status: pending`; a queue worker embeds it (watch the
        document's `embedding_status`, or the search's `pending_embeddings`). The same upload
        again (same file name and content, within minutes) answers 200 with the stored
        document instead of storing a copy."""
        project, _access = project_get(user=request.user, project_id=project_id, needed="write")
        upload = s.DocumentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        document, created = services.document_create(
            project=project, user_id=request.user.pk, **upload.validated_data
        )
        # A retried upload (same content, same file name, within minutes) answers the document
        # stored the first time: 200, not a second copy.
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.DocumentSerializer(document).data, status=code)


class DocumentDetailView(ApiView):
    phase = 5  # knowledge_base_documents
    serializer_classes = {"v2": s.DocumentDetailSerializer}

    def get(self, request, project_id, document_id):
        """Return a document with its text."""
        document = self._document(request, project_id, document_id, needed="read")
        return Response(self.get_serializer(document).data)

    @extend_schema(responses={204: None})
    def delete(self, request, project_id, document_id):
        """Delete a document."""
        document = self._document(request, project_id, document_id, needed="write")
        services.document_delete(document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _document(self, request, project_id, document_id, *, needed: str):
        project, _access = project_get(user=request.user, project_id=project_id, needed=needed)
        return selectors.document_get(project=project, document_id=document_id)


class DocumentSearchView(ApiView):
    phase = 5  # knowledge_base_documents
    throttle_classes = [ScopedThrottle]
    throttle_scopes = {"GET": "search"}
    serializer_classes = {"v2": s.SearchResultSerializer}
    filter_serializer_class = s.SearchQuerySerializer

    def get(self, request, project_id):
        """Return the k documents of the project that best answer `q`, best first, each with
        the passage where it matched (text and character offsets)."""
        # Access first (404 for a stranger whatever the query), then the query's validation.
        project_get(user=request.user, project_id=project_id)
        params = self.query_filters()
        hits = selectors.document_search(
            user=request.user,
            project_id=project_id,
            query=params["q"],
            k=params["k"],
            mode=params["mode"],
        )
        model_name = configured_model_name()
        result = {
            "query": params["q"],
            "k": params["k"],
            "mode": params["mode"],
            "results": hits,
            "pending_embeddings": selectors.pending_embedding_count(
                project_id=project_id, model_name=model_name
            ),
            "embedding_model": model_name,
        }
        return Response(self.get_serializer(result).data)

"""Serializers of the knowledge base endpoints (v2 only): documents and semantic search."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from knowledge_app.embeddings import configured_model_name
from knowledge_app.models import KnowledgeBaseDocument
from knowledge_app.selectors import MAX_K, PASSAGE_TEXT_MAX, RRF_K, SEARCH_MODES
from knowledge_app.services import MAX_DOCUMENT_BYTES
from socrates.api import serializers as api_serializers


class DocumentSerializer(api_serializers.ModelSerializer):
    """A document without its text (lists)."""

    project_id = serializers.UUIDField(read_only=True)
    embedded = serializers.SerializerMethodField()
    embedding_status = serializers.SerializerMethodField(
        help_text="`pending` until a worker (or the backfill) has embedded this text with the "
        "configured model and cut it into searchable passages, then `embedded`."
    )

    class Meta:
        model = KnowledgeBaseDocument
        fields = [
            "id",
            "project_id",
            "user_id",
            "filename",
            "file_size",
            "content_type",
            "uploaded_at",
            "embedded",
            "embedding_status",
            "embedding_model",
            "embedding_windows",
            "embedded_at",
        ]
        read_only_fields = fields

    def get_embedded(self, document) -> bool:
        return document.embedded_at is not None

    @extend_schema_field(serializers.ChoiceField(choices=["pending", "embedded"]))
    def get_embedding_status(self, document) -> str:
        current = (
            document.embedded_at is not None
            and document.embedding_model == configured_model_name()
            # Embedded before passages existed: pending until the backfill gives it passages.
            and document.passages_content_hash is not None
        )
        return "embedded" if current else "pending"


class DocumentDetailSerializer(DocumentSerializer):
    """A document with its text."""

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "content"]
        read_only_fields = fields


class DocumentUploadSerializer(api_serializers.Serializer):
    """Either a UTF-8 text `file` (multipart) or `filename` + `content` (JSON)."""

    file = serializers.FileField(required=False, allow_empty_file=True)
    filename = serializers.CharField(max_length=255, required=False)
    content = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=MAX_DOCUMENT_BYTES
    )
    content_type = serializers.CharField(max_length=100, required=False)

    def validate(self, attrs):
        upload = attrs.pop("file", None)
        if upload is not None:
            if "content" in attrs:
                raise serializers.ValidationError(
                    {"content": ["Send either a file or content, not both."]}
                )
            if upload.size > MAX_DOCUMENT_BYTES:
                raise serializers.ValidationError(
                    {"file": [f"At most {MAX_DOCUMENT_BYTES} bytes."]}
                )
            try:
                attrs["content"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise serializers.ValidationError(
                    {"file": ["Only UTF-8 text files can be added to the knowledge base."]}
                ) from None
            attrs.setdefault("filename", upload.name or "")
            attrs.setdefault("content_type", getattr(upload, "content_type", "") or "text/plain")
        elif "content" not in attrs:
            raise serializers.ValidationError(
                {"content": ["Send a file (multipart) or content (JSON)."]}
            )
        if not attrs.get("filename"):
            raise serializers.ValidationError({"filename": ["This field is required."]})
        attrs.setdefault("content_type", "text/plain")
        return attrs


class SearchQuerySerializer(api_serializers.Serializer):
    q = serializers.CharField(max_length=2000)
    k = serializers.IntegerField(min_value=1, max_value=MAX_K, default=10)
    mode = serializers.ChoiceField(
        choices=SEARCH_MODES,
        default="hybrid",
        error_messages={
            "invalid_choice": '"{input}" is not a valid mode: use one of '
            + ", ".join(SEARCH_MODES)
            + "."
        },
        help_text="hybrid (default): keyword and semantic lists fused by reciprocal rank "
        f"(constant {RRF_K}); semantic: nearest passages by meaning; keyword: passages holding "
        "any word of the query (stemmed, english), ranked by ts_rank_cd.",
    )


class PassageHitSerializer(api_serializers.Serializer):
    ordinal = serializers.IntegerField(help_text="The passage's place in the document, from 0.")
    start_offset = serializers.IntegerField(help_text="First character in the content.")
    end_offset = serializers.IntegerField(help_text="One past the last character.")
    text = serializers.CharField(
        help_text=f"The passage (content[start_offset:end_offset]), at most {PASSAGE_TEXT_MAX} "
        "characters."
    )


class SearchHitSerializer(api_serializers.Serializer):
    id = serializers.UUIDField()
    project_id = serializers.UUIDField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    embedding_windows = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(
        help_text="The mode's score: cosine similarity (semantic), ts_rank_cd (keyword) or "
        "reciprocal-rank-fusion score (hybrid); higher is better."
    )
    semantic_score = serializers.FloatField(
        allow_null=True,
        help_text="Cosine similarity of the best passage to the query (of the document vector "
        "for a document not yet split into passages); null if not in the semantic list.",
    )
    keyword_score = serializers.FloatField(
        allow_null=True,
        help_text="ts_rank_cd of the best keyword passage; null if no word matched.",
    )
    passage = PassageHitSerializer(
        allow_null=True,
        help_text="Where the document matched best; null for a document not yet split into "
        "passages (or edited since).",
    )


class SearchResultSerializer(api_serializers.Serializer):
    query = serializers.CharField()
    k = serializers.IntegerField()
    mode = serializers.CharField()
    results = SearchHitSerializer(many=True)
    pending_embeddings = serializers.IntegerField(
        help_text="Documents of the project whose embedding is missing or stale: not searched "
        "until the backfill (or a re-upload) embeds them."
    )
    embedding_model = serializers.CharField()

"""v2 serializers for code generations and their files."""

from django.urls import reverse
from rest_framework import serializers

from socrates.api import serializers as api_serializers
from specs_app.models import GeneratedFile, GeneratedProject


def _url(request, name: str, generation: GeneratedProject) -> str:
    path = reverse(
        f"v2:{name}",
        kwargs={
            "project_id": generation.project_id,
            "version": generation.generation_version,
        },
    )
    return request.build_absolute_uri(path) if request is not None else path


class GenerationSerializer(api_serializers.ModelSerializer):
    version = serializers.IntegerField(source="generation_version")
    status = serializers.CharField(source="generation_status")
    status_url = serializers.SerializerMethodField()
    files_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedProject
        fields = [
            "id",
            "project_id",
            "version",
            "status",
            "total_files",
            "total_lines",
            "traceability_score",
            "test_coverage",
            "quality_score",
            "error_message",
            "created_at",
            "started_at",
            "completed_at",
            "status_url",
            "files_url",
            "download_url",
        ]
        read_only_fields = fields

    def get_status_url(self, obj) -> str:
        return _url(self.context.get("request"), "generation-detail", obj)

    def get_files_url(self, obj) -> str:
        return _url(self.context.get("request"), "generation-file-list", obj)

    def get_download_url(self, obj) -> str | None:
        if obj.generation_status != GeneratedProject.Status.COMPLETED:
            return None
        return _url(self.context.get("request"), "generation-download", obj)


class GeneratedFileSerializer(api_serializers.ModelSerializer):
    path = serializers.CharField(source="file_path")
    size = serializers.IntegerField(source="file_size")

    class Meta:
        model = GeneratedFile
        fields = ["path", "size", "spec_ids"]
        read_only_fields = fields


class GeneratedFileContentSerializer(GeneratedFileSerializer):
    content = serializers.CharField(source="file_content")

    class Meta(GeneratedFileSerializer.Meta):
        fields = [*GeneratedFileSerializer.Meta.fields, "content"]
        read_only_fields = fields

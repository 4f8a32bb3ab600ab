"""POST/GET /api/v2/projects/{id}/generations/: gates, versions, files, scores and the zip."""

import io
import zipfile

import pytest
from rest_framework.test import APIClient

from specs_app.generation import services
from specs_app.models import GeneratedProject, Specification
from tests.factories import ConflictFactory, SpecificationFactory, UserFactory
from tests.helpers import BOTH, assert_error, share


def url(project, suffix=""):
    return f"/api/v2/projects/{project.pk}/generations/{suffix}"


def refused_gates(response) -> list[str]:
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "generation_gate_failed"
    return [gate["gate"] for gate in error["details"]["failed_gates"]]


@pytest.mark.django_db(databases=BOTH)
def test_generation_is_refused_below_the_maturity_threshold(client, ready_project):
    ready_project.maturity_score = 99.5
    ready_project.save()

    response = client.post(url(ready_project))

    assert refused_gates(response) == ["maturity"]
    assert response.json()["error"]["message"] == (
        "Generation refused: maturity: maturity is 99.5, below the required 100"
    )
    assert not GeneratedProject.objects.exists()


@pytest.mark.django_db(databases=BOTH)
def test_the_maturity_threshold_is_a_setting(client, ready_project, settings):
    settings.GENERATION_MIN_MATURITY = 50
    ready_project.maturity_score = 60
    ready_project.save()

    assert client.post(url(ready_project)).status_code == 202


@pytest.mark.django_db(databases=BOTH)
def test_generation_is_refused_while_a_conflict_is_open(client, ready_project):
    ConflictFactory(project=ready_project, status="open")
    ConflictFactory(project=ready_project, status="ignored")

    response = client.post(url(ready_project))

    assert refused_gates(response) == ["conflicts"]
    assert "1 conflict(s) are still open" in response.json()["error"]["message"]


@pytest.mark.django_db(databases=BOTH)
def test_generation_is_refused_without_current_specifications(client, ready_project):
    Specification.objects.filter(project=ready_project).update(is_current=False)

    assert refused_gates(client.post(url(ready_project))) == ["specifications"]


@pytest.mark.django_db(databases=BOTH)
def test_generation_is_refused_for_a_stack_it_cannot_write(client, ready_project):
    Specification.objects.filter(project=ready_project, key__in=["language", "framework"]).update(
        value="java 21"
    )

    response = client.post(url(ready_project))

    assert refused_gates(response) == ["stack"]
    assert "asks for Java" in response.json()["error"]["message"]


@pytest.mark.django_db(databases=BOTH)
def test_a_refusal_names_every_failed_gate(client, ready_project):
    ready_project.maturity_score = 10
    ready_project.save()
    ConflictFactory(project=ready_project)

    assert refused_gates(client.post(url(ready_project))) == ["maturity", "conflicts"]


@pytest.mark.django_db(databases=BOTH)
def test_a_generation_completes_with_files_scores_and_a_status_url(client, ready_project):
    response = client.post(url(ready_project))

    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["status_url"]
    assert body["status_url"].endswith(url(ready_project, "1/"))
    assert (body["version"], body["status"], body["error_message"]) == (1, "completed", "")
    detail = client.get(body["status_url"]).json()
    assert detail["status"] == "completed"
    assert detail["started_at"] and detail["completed_at"]
    # Hand count: 9 current specifications; goals.timeline and tech_stack.hosting are
    # implemented by no file, the superseded one is not current: 7 / 9.
    assert detail["traceability_score"] == pytest.approx(7 / 9)
    generation = GeneratedProject.objects.get()
    files = list(generation.files.all())
    assert detail["total_files"] == len(files) > 10
    assert detail["total_lines"] == sum(len(f.file_content.splitlines()) for f in files)
    assert all(f.file_size == len(f.file_content.encode()) for f in files)


@pytest.mark.django_db(databases=BOTH)
def test_every_file_names_real_current_specification_ids(client, ready_project):
    client.post(url(ready_project))
    current = set(
        Specification.objects.filter(project=ready_project, is_current=True).values_list(
            "id", flat=True
        )
    )
    superseded = Specification.objects.get(project=ready_project, is_current=False)

    files = GeneratedProject.objects.get().files.all()

    referenced = set()
    for f in files:
        assert set(f.spec_ids) <= current, f.file_path
        for spec_id in f.spec_ids:
            assert str(spec_id) in f.file_content, f.file_path
        referenced |= set(f.spec_ids)
    unreferenced = {
        (s.category, s.key) for s in Specification.objects.filter(pk__in=current - referenced)
    }
    assert unreferenced == {("goals", "timeline"), ("tech_stack", "hosting")}
    assert all(str(superseded.pk) not in f.file_content for f in files)


@pytest.mark.django_db(databases=BOTH)
def test_the_zip_holds_exactly_the_listed_files(client, ready_project):
    client.post(url(ready_project))

    listed = client.get(url(ready_project, "1/files/"), {"page_size": 200}).json()["results"]
    response = client.get(url(ready_project, "1/download/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="clinic-bookings-v1.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == [f["path"] for f in listed]
    for entry in listed:
        content = client.get(url(ready_project, f"1/files/{entry['path']}")).json()["content"]
        assert archive.read(entry["path"]).decode() == content
        assert entry["size"] == len(content.encode())


@pytest.mark.django_db(databases=BOTH)
def test_each_request_creates_the_next_version(client, ready_project):
    client.post(url(ready_project))
    SpecificationFactory(project=ready_project, category="performance", key="p95", value="200 ms")

    second = client.post(url(ready_project)).json()

    assert second["version"] == 2
    assert [g["version"] for g in client.get(url(ready_project)).json()["results"]] == [2, 1]
    assert second["traceability_score"] == pytest.approx(8 / 10)


@pytest.mark.django_db(databases=BOTH)
def test_a_failed_generation_records_its_error(client, ready_project, monkeypatch):
    def broken_generator(**kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(services, "generate", broken_generator)

    body = client.post(url(ready_project)).json()

    assert body["status"] == "failed"
    assert body["error_message"] == "RuntimeError: template exploded"
    assert body["completed_at"] and body["download_url"] is None
    download = client.get(url(ready_project, "1/download/"))
    assert download.status_code == 409
    assert "only a completed generation can be downloaded" in download.json()["error"]["message"]


@pytest.mark.django_db(databases=BOTH)
def test_unknown_versions_and_files_are_404(client, ready_project):
    client.post(url(ready_project))

    assert_error(client.get(url(ready_project, "7/")), 404)
    missing = client.get(url(ready_project, "1/files/nope.txt"))
    assert_error(missing, 404)
    assert missing.json()["error"]["message"] == "Generation 1 has no file 'nope.txt'."


@pytest.mark.django_db(databases=BOTH)
def test_readers_may_look_but_only_writers_generate(client, ready_project):
    client.post(url(ready_project))
    reader = APIClient()
    reader.force_authenticate(share(ready_project, level="read", username="gen-reader"))
    writer = APIClient()
    writer.force_authenticate(share(ready_project, level="write", username="gen-writer"))
    stranger = APIClient()
    stranger.force_authenticate(UserFactory(username="gen-stranger"))

    assert reader.get(url(ready_project, "1/")).status_code == 200
    assert reader.get(url(ready_project, "1/download/")).status_code == 200
    assert_error(reader.post(url(ready_project)), 403)
    assert writer.post(url(ready_project)).status_code == 202
    assert_error(stranger.get(url(ready_project)), 404)
    assert_error(stranger.post(url(ready_project)), 404)

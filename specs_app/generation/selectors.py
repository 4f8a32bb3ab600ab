"""Reads for code generation: gates, current specifications, generations and their files."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from socrates.errors import NotFound
from specs_app.models import Conflict, GeneratedFile, GeneratedProject, Project, Specification

from .generator import SpecRecord, UnsupportedStack, plan


@dataclass(frozen=True)
class GateFailure:
    gate: str
    message: str
    details: dict

    def as_dict(self) -> dict:
        return {"gate": self.gate, "message": self.message, **self.details}


def current_spec_records(*, project: Project) -> list[SpecRecord]:
    """Return the project's current specifications as generator input."""
    rows = (
        Specification.objects.filter(project=project, is_current=True)
        .order_by("category", "key", "id")
        .values_list("id", "category", "key", "value", "content")
    )
    return [SpecRecord(*row) for row in rows]


def generation_gate_failures(*, project: Project) -> list[GateFailure]:
    """Return every gate the project fails (empty when generation may start)."""
    failures = []
    required = float(settings.GENERATION_MIN_MATURITY)
    if project.maturity_score < required:
        failures.append(
            GateFailure(
                "maturity",
                f"maturity is {project.maturity_score:g}, below the required {required:g}",
                {"maturity_score": project.maturity_score, "required": required},
            )
        )
    open_conflicts = Conflict.objects.filter(project=project, status=Conflict.Status.OPEN).count()
    if open_conflicts:
        failures.append(
            GateFailure(
                "conflicts",
                f"{open_conflicts} conflict(s) are still open; resolve or ignore them first",
                {"open_conflicts": open_conflicts},
            )
        )
    specs = current_spec_records(project=project)
    if not specs:
        failures.append(
            GateFailure("specifications", "the project has no current specifications", {})
        )
    else:
        try:
            plan(name=project.name, description=project.description, specs=specs)
        except UnsupportedStack as exc:
            failures.append(GateFailure("stack", str(exc), {}))
    return failures


def generation_list(*, project: Project) -> QuerySet[GeneratedProject]:
    return GeneratedProject.objects.filter(project=project).order_by("-generation_version")


def generation_get(*, project: Project, version) -> GeneratedProject:
    """Return generation `version` of the project, or raise NotFound."""
    generation = GeneratedProject.objects.filter(
        project=project, generation_version=version
    ).first()
    if generation is None:
        raise NotFound(
            f"Project {project.pk} has no generation {version}.", details={"version": version}
        )
    return generation


def generation_files(*, generation: GeneratedProject) -> QuerySet[GeneratedFile]:
    """Return the generation's files by path, without their content."""
    return (
        GeneratedFile.objects.filter(generated_project=generation)
        .defer("file_content")
        .order_by("file_path")
    )


def generation_file_get(*, generation: GeneratedProject, path: str) -> GeneratedFile:
    found = GeneratedFile.objects.filter(generated_project=generation, file_path=path).first()
    if found is None:
        raise NotFound(
            f"Generation {generation.generation_version} has no file {path!r}.",
            details={"path": path},
        )
    return found

"""Write or check the committed OpenAPI documents (openapi/v1.yaml, openapi/v2.yaml).

v2 is rewritten from the code, so every change to v2 shows up as a reviewed diff. v1 is the
frozen contract: it is rewritten only when the code's document has no breaking difference
from the committed one (socrates.api.schema_compat), so the file can never be regenerated
around a break. ``--check`` writes nothing and exits 1 when a file is stale or v1 is broken.
"""

from django.core.management.base import BaseCommand, CommandError

from socrates.api import schema_compat


class Command(BaseCommand):
    help = "Regenerate openapi/v1.yaml (only compatible changes) and openapi/v2.yaml."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Write nothing; fail if stale.")

    def handle(self, *args, check, verbosity, **options):
        problems = self.run(check=check, verbosity=verbosity)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} OpenAPI problem(s)", returncode=1)

    def run(self, *, check: bool, verbosity: int = 1) -> list[str]:
        """Compare (and unless ``check``, write) each version; return the problems found."""
        problems = []
        for version in schema_compat.VERSIONS:
            path = schema_compat.committed_path(version)
            generated = schema_compat.generate(version)
            committed = path.read_text() if path.exists() else None
            if committed == generated:
                if verbosity >= 1:
                    self.stdout.write(f"{path.name}: up to date")
                continue
            if version == "v1" and committed is not None:
                broken = schema_compat.breaking_changes(
                    schema_compat.load(committed), schema_compat.load(generated)
                )
                # Reviewed corrections (schema_compat.CORRECTIONS) are not breaks: the server
                # always answered so; the document is made to say it.
                broken = [line for line in broken if not schema_compat.is_correction(line)]
                if broken:
                    problems += [f"v1 breaking change: {line}" for line in broken]
                    continue
                if check:
                    # Additions to the frozen version are allowed; the file may lag behind.
                    self.stdout.write(f"{path.name}: compatible additions not yet committed")
                    continue
            if check:
                problems.append(f"{path.name} is stale: run `make openapi` and review the diff")
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(generated)
            if verbosity >= 1:
                self.stdout.write(f"{path.name}: written")
        return problems

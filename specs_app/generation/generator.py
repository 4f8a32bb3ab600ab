"""The code generator: deterministic and offline, from current specifications to files.

`generate(name=, description=, specs=)` returns the files of a project skeleton for the chosen
stack: README.md, SPECIFICATION.md (every specification, grouped by category), dependency and
configuration files, a stub and a test per requirement, CI configuration. Each file lists the
specifications it implements, both in its `spec_ids` and in its own text. The same input always
gives the same output: no clock, no randomness, no network.
"""

from dataclasses import dataclass

from . import node_typescript, python_django
from .blueprint import Blueprint, build_blueprint
from .stack import NODE_TYPESCRIPT, PYTHON_DJANGO, UnsupportedStack
from .text import OutFile, SpecRecord, make_file, one_line

STACKS = {PYTHON_DJANGO: python_django, NODE_TYPESCRIPT: node_typescript}
SPECIFICATION_FILE = "SPECIFICATION.md"

__all__ = ["GenerationOutput", "SpecRecord", "UnsupportedStack", "generate", "plan"]


@dataclass(frozen=True)
class GenerationOutput:
    blueprint: Blueprint
    files: tuple[OutFile, ...]

    @property
    def total_lines(self) -> int:
        return sum(f.lines for f in self.files)

    def referenced_spec_ids(self) -> set:
        return {spec_id for f in self.files for spec_id in f.spec_ids}

    def traceability(self) -> float | None:
        """Share of the specifications referenced by at least one file."""
        if not self.blueprint.specs:
            return None
        current = {s.id for s in self.blueprint.specs}
        return len(current & self.referenced_spec_ids()) / len(current)

    def test_coverage(self) -> float | None:
        """Share of the specifications named by at least one test file."""
        if not self.blueprint.specs:
            return None
        tested = {i for f in self.files if f.path.startswith("tests/") for i in f.spec_ids}
        return len(tested & {s.id for s in self.blueprint.specs}) / len(self.blueprint.specs)


def plan(*, name: str, description: str, specs: list[SpecRecord]) -> Blueprint:
    """Return the blueprint (raise UnsupportedStack when the stack cannot be generated)."""
    return build_blueprint(name=name, description=description, specs=specs)


def _specification_md(bp: Blueprint) -> OutFile:
    lines = [
        f"# {one_line(bp.name, 200)}: specification",
        "",
        f"{len(bp.specs)} current specifications, grouped by category. Generated files name the "
        "ids below in their `Implements specifications` line.",
    ]
    for category, specs in bp.by_category():
        lines += ["", f"## {category} ({len(specs)})"]
        for spec in specs:
            lines += [
                "",
                f"### {spec.title}",
                "",
                f"- id: `{spec.id}`",
                f"- key: `{spec.full_key}`",
                "",
                *(f"> {line}".rstrip() for line in spec.text.splitlines()),
            ]
    if bp.planning_specs:
        lines += [
            "",
            "## Not implemented by code",
            "",
            "These plan the work rather than describe the software, so no generated file "
            "implements them:",
            "",
            *(f"- `{s.id}` {s.full_key}" for s in bp.planning_specs),
        ]
    # Documentation restates every specification without implementing any: no spec_ids.
    return make_file(SPECIFICATION_FILE, "\n".join(lines), (), "md")


def _readme(bp: Blueprint, stack_files: list[OutFile]) -> OutFile:
    module = STACKS[bp.plan.stack]
    lines = [f"# {one_line(bp.name, 200)}", ""]
    if bp.description:
        lines += [bp.description, ""]
    for spec in bp.readme_specs:
        lines += [f"## {spec.title}", "", spec.text, ""]
    lines += [
        "## Stack",
        "",
        f"- {bp.plan.stack_label}"
        + (
            f" (Python {bp.plan.python_version})"
            if bp.plan.stack == PYTHON_DJANGO
            else f" (Node.js {bp.plan.node_version})"
        ),
        f"- Database: {bp.plan.database_label}"
        + (f" {bp.plan.database_version}" if bp.plan.database_version else ""),
        *(f"- Note: {note}" for note in bp.plan.notes),
        "",
        "## Getting started",
        "",
        module.getting_started(bp),
        "",
        "## Files",
        "",
        f"- `{SPECIFICATION_FILE}`: every specification, grouped by category",
        *(f"- `{f.path}`" for f in sorted(stack_files, key=lambda f: f.path)),
        "",
        "## Traceability",
        "",
        "Every file names the specifications it implements in an `Implements specifications` "
        "line (in `package.json`, the `socrates` field).",
    ]
    return make_file("README.md", "\n".join(lines), [s.id for s in bp.readme_specs], "md")


def generate(*, name: str, description: str, specs: list[SpecRecord]) -> GenerationOutput:
    """Return the project skeleton for these specifications (raise UnsupportedStack)."""
    bp = plan(name=name, description=description, specs=specs)
    stack_files = STACKS[bp.plan.stack].files(bp)
    files = [_readme(bp, stack_files), _specification_md(bp), *stack_files]
    files.sort(key=lambda f: f.path)
    paths = [f.path for f in files]
    if len(paths) != len(set(paths)):  # a bug in a template, never the user's input
        raise AssertionError(f"generator produced duplicate paths: {paths}")
    return GenerationOutput(blueprint=bp, files=tuple(files))

"""The generator alone: deterministic, stack-aware, every file naming what it implements."""

import json
import os
import subprocess
import sys
import uuid

import pytest

from specs_app.generation.generator import SpecRecord, UnsupportedStack, generate
from specs_app.generation.text import MARKER


def spec(category, key, value, content="", n=None):
    return SpecRecord(
        uuid.UUID(int=n) if n is not None else uuid.uuid4(), category, key, value, content
    )


def django_specs():
    return [
        spec("goals", "problem_statement", "Clinics lose bookings on the phone.", n=1),
        spec("goals", "timeline", "Launch in March", n=2),
        spec("tech_stack", "language", "python 3.12", n=3),
        spec("tech_stack", "framework", "django", n=4),
        spec("tech_stack", "database", "postgresql 16", n=5),
        spec("tech_stack", "hosting", "AWS", n=6),
        spec("requirements", "core_features", "Book, move and cancel appointments", n=7),
        spec("security", "authentication", "Staff sign in with SSO", n=8),
        spec("testing", "min_coverage", "80%", n=9),
    ]


def node_specs():
    return [
        spec("tech_stack", "language", "typescript 5", n=11),
        spec("tech_stack", "runtime", "node 20", n=12),
        spec("tech_stack", "framework", "express", n=13),
        spec("tech_stack", "database", "mongodb", n=14),
        spec("requirements", "core_features", "Track parcels", n=15),
    ]


def test_the_same_specifications_always_give_the_same_files():
    first = generate(name="Clinic", description="Bookings", specs=django_specs())
    second = generate(name="Clinic", description="Bookings", specs=list(reversed(django_specs())))

    assert [(f.path, f.content, f.spec_ids) for f in first.files] == [
        (f.path, f.content, f.spec_ids) for f in second.files
    ]


def test_a_django_project_has_readme_specification_dependencies_tests_and_ci():
    out = generate(name="Clinic", description="Bookings", specs=django_specs())

    paths = {f.path for f in out.files}
    assert {
        "README.md",
        "SPECIFICATION.md",
        "requirements.txt",
        "pyproject.toml",
        "manage.py",
        "clinic/settings.py",
        "clinic/features/requirements.py",
        "tests/test_requirements.py",
        "tests/test_security.py",
        ".github/workflows/ci.yml",
    } <= paths
    files = {f.path: f.content for f in out.files}
    assert "psycopg[binary]" in files["requirements.txt"]
    assert '"ENGINE": "django.db.backends.postgresql"' in files["clinic/settings.py"]
    assert "image: postgres:16" in files[".github/workflows/ci.yml"]
    assert "--cov-fail-under=80" in files[".github/workflows/ci.yml"]
    assert "def test_core_features():" in files["tests/test_requirements.py"]
    assert "Book, move and cancel appointments" in files["tests/test_requirements.py"]


def test_a_node_project_uses_typescript_express_and_the_chosen_database():
    out = generate(name="Parcel Tracker", description="", specs=node_specs())

    files = {f.path: f.content for f in out.files}
    package = json.loads(files["package.json"])
    assert package["name"] == "parcel-tracker"
    assert "express" in package["dependencies"] and "mongodb" in package["dependencies"]
    assert package["engines"]["node"] == ">=20"
    assert "typescript" in package["devDependencies"]
    assert "image: mongo:7" in files[".github/workflows/ci.yml"]
    assert (
        'it.fails("requirements.core_features: Track parcels"'
        in files["tests/requirements.test.ts"]
    )
    assert out.blueprint.plan.stack_spec_ids == tuple(uuid.UUID(int=n) for n in (13, 11, 12))


def test_every_file_names_in_its_text_the_specifications_it_implements():
    for specs in (django_specs(), node_specs()):
        out = generate(name="Clinic", description="", specs=specs)
        known = {s.id for s in specs}
        for f in out.files:
            assert set(f.spec_ids) <= known, f.path
            for spec_id in f.spec_ids:
                assert str(spec_id) in f.content, f.path
        specification = next(f for f in out.files if f.path == "SPECIFICATION.md")
        assert all(str(s.id) in specification.content for s in specs)


def test_traceability_counts_specifications_some_file_implements():
    out = generate(name="Clinic", description="", specs=django_specs())

    # timeline (planning) and hosting (no file deploys it) are implemented by no file.
    assert out.referenced_spec_ids() == {uuid.UUID(int=n) for n in (1, 3, 4, 5, 7, 8, 9)}
    assert out.traceability() == 7 / 9
    assert out.total_lines == sum(len(f.content.splitlines()) for f in out.files)


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([spec("tech_stack", "language", "java 21")], "asks for Java"),
        ([spec("tech_stack", "framework", "FastAPI")], "asks for FastAPI"),
        ([spec("tech_stack", "language", "Go 1.22")], "asks for Go"),
        (
            [spec("tech_stack", "language", "python"), spec("tech_stack", "database", "Oracle")],
            "asks for Oracle Database",
        ),
        (
            [spec("tech_stack", "framework", "django"), spec("tech_stack", "database", "mongodb")],
            "MongoDB is not supported with Python / Django",
        ),
    ],
)
def test_a_stack_the_generator_cannot_write_is_refused(specs, message):
    with pytest.raises(UnsupportedStack, match=message):
        generate(name="X", description="", specs=specs)


def test_ordinary_words_are_not_read_as_languages():
    specs = [spec("tech_stack", "framework", "We go with Django, express delivery later")]

    out = generate(name="X", description="", specs=specs)

    assert out.blueprint.plan.stack == "python_django"


def test_without_stack_specifications_django_and_postgresql_are_assumed_and_said():
    out = generate(name="X", description="", specs=[spec("requirements", "login", "Log in")])

    assert out.blueprint.plan.stack == "python_django"
    readme = next(f for f in out.files if f.path == "README.md").content
    assert "No language or framework is specified; Python / Django is assumed." in readme
    assert "No database is specified; PostgreSQL is assumed." in readme


def test_hostile_names_and_texts_still_give_valid_python_and_json():
    specs = [
        spec("tech_stack", "language", "python"),
        spec("requirements", "class", 'He said """hi""" \\ and \'quit\''),
        spec("requirements", "class ", "a duplicate name after cleaning"),
        spec("Data-Retention!", "9 lives", "*/ <!-- --> ${injection}"),
        spec("settings", "import", "ünïcödé ✓"),
    ]
    for name in ("Django", 'My "quoted" \\ app', "123"):
        out = generate(name=name, description='desc with "quotes"', specs=specs)
        for f in out.files:
            if f.path.endswith(".py"):
                compile(f.content, f.path, "exec")
            if f.path == "package.json":
                json.loads(f.content)
        assert len({f.path for f in out.files}) == len(out.files)
    assert "django_project/settings.py" in {
        f.path for f in generate(name="Django", description="", specs=specs).files
    }


@pytest.mark.slow  # runs the generated project's tests in a subprocess
def test_the_generated_django_project_passes_its_own_test_suite(tmp_path):
    out = generate(name="Clinic", description="Bookings", specs=django_specs())
    for f in out.files:
        target = tmp_path / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f.content)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    # -p no:django: this repository's pytest-django must not configure the generated project.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:django", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 2 xfailed" in result.stdout


def test_marker_lines_use_one_wording():
    out = generate(name="Clinic", description="", specs=django_specs())
    readme = next(f for f in out.files if f.path == "README.md")
    assert f"<!-- {MARKER} {uuid.UUID(int=1)} -->" in readme.content

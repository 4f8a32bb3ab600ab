"""The compatibility matrix, evaluated on stacks without a database."""

from specs_app.engine.compatibility import StackItem, evaluate, get_matrix


def stack(**versions):
    return {
        tech: StackItem(tech, version, f"spec-{tech}", f"tech_stack.{tech}", f"{tech} {version}")
        for tech, version in versions.items()
    }


def test_the_matrix_loads_and_every_rule_names_known_technologies():
    ids = [rule.id for rule in get_matrix()]

    assert "django-5.2-python" in ids and "hnsw-needs-pgvector-0.5" in ids
    assert len(ids) == len(set(ids))


def test_a_supported_stack_passes():
    report = evaluate(stack(django="5.2", python="3.12", postgresql="16"))

    assert report.passed
    assert {"django-5.2-python", "django-5.2-postgresql"} <= set(report.rules_checked)


def test_django_5_2_with_postgresql_13_fails_naming_both_specifications():
    report = evaluate(stack(django="5.2", python="3.12", postgresql="13"))

    assert not report.passed
    [problem] = report.incompatibilities
    assert problem["rule"] == "django-5.2-postgresql"
    assert problem["spec_ids"] == ["spec-django", "spec-postgresql"]
    assert problem["required"] == ">=14"
    assert problem["message"] == "Django 5.2 supports PostgreSQL 14 and newer."
    assert problem["fix"].startswith("Upgrade PostgreSQL to 14 or newer")


def test_django_5_2_needs_python_3_10():
    [problem] = evaluate(stack(django="5.2.3", python="3.9")).incompatibilities

    assert problem["rule"] == "django-5.2-python"
    assert problem["spec_ids"] == ["spec-django", "spec-python"]


def test_hnsw_needs_pgvector_0_5():
    [problem] = evaluate(stack(postgresql="16", pgvector="0.4.4", hnsw=None)).incompatibilities

    assert problem["rule"] == "hnsw-needs-pgvector-0.5"
    assert problem["spec_ids"] == ["spec-hnsw", "spec-pgvector"]
    assert evaluate(stack(postgresql="16", pgvector="0.5.0", hnsw=None)).passed


def test_an_extension_without_its_database_fails_and_unknown_versions_are_unverified():
    report = evaluate(stack(pgvector="0.7", mysql="8.0"))
    assert [p["rule"] for p in report.incompatibilities] == ["pgvector-needs-postgresql"]

    unknown = evaluate(stack(django="5.2", python=None))
    assert unknown.passed
    assert unknown.unverified == [
        {
            "rule": "django-5.2-python",
            "reason": "python version unknown",
            "spec_ids": ["spec-django", "spec-python"],
        }
    ]


def test_a_python_framework_with_another_language_fails():
    [problem] = evaluate(stack(django="5.2", java="21")).incompatibilities

    assert problem["rule"] == "django-python-language"
    assert problem["reason"] == "excluded"

"""socrates/phases.py: which migrations make up each phase, on which database."""

import pytest
from django.db.migrations.loader import MigrationLoader

from socrates import phases


@pytest.fixture(scope="module")
def loader():
    return MigrationLoader(None, ignore_no_migrations=True)


def test_phase_0_is_the_initial_migrations_and_later_apps_at_zero(loader):
    assert phases.phase_targets(loader.graph, 0) == {
        "auth_app": ("auth_app", "0001_initial"),
        "specs_app": ("specs_app", "0001_initial"),
        "knowledge_app": None,
        "teams_app": None,
    }


def test_an_app_keeps_its_target_until_a_later_phase_names_a_newer_one(loader):
    targets = phases.phase_targets(loader.graph, 4)

    assert targets["auth_app"] == ("auth_app", "0007_user_llm_defaults")
    assert targets["specs_app"] == ("specs_app", "0007_llm_choice_and_question_template")
    assert targets["knowledge_app"] is None


def test_the_latest_phase_is_every_apps_leaf(loader):
    leaves = {
        app: key for key in loader.graph.leaf_nodes() if (app := key[0]) in phases.PHASED_APPS
    }

    assert phases.phase_targets(loader.graph, phases.LATEST_PHASE) == leaves


@pytest.mark.parametrize(
    ("key", "phase"),
    [
        (("admin", "0001_initial"), 0),
        (("token_blacklist", "0001_initial"), 0),
        (("auth_app", "0001_initial"), 0),
        (("auth_app", "0002_user_rules"), 1),
        (("specs_app", "0002_test_results"), 2),
        (("specs_app", "0003_llm_usage_tracking"), 3),
        (("knowledge_app", "0001_vector_extension"), 5),
        (("knowledge_app", "0006_passage_embedding_hnsw_index"), 5),
        (("knowledge_app", "0007_passage_vectors_inline"), 5),
        (("teams_app", "0001_teams"), 6),
        (("teams_app", "0002_project_shares"), 6),
        # Added after phase 3's design, but in auth_app's order before 0007: phase 3.
        (("auth_app", "0004_user_llm_default"), 3),
        (("auth_app", "0006_username_ci_unique"), 3),
        (("auth_app", "0007_user_llm_defaults"), 3),
        (("specs_app", "0005_question_template_id"), 4),
        (("specs_app", "0007_llm_choice_and_question_template"), 4),
        (("procrastinate", "0001_initial"), 0),
    ],
)
def test_each_migration_belongs_to_one_phase(loader, key, phase):
    assert phases.phase_of_migration(loader.graph, key) == phase


def test_the_phase_map_agrees_with_the_migration_graph(loader):
    assert phases.check_phase_map(loader.graph) == []


def test_a_phase_map_that_needs_a_later_phase_is_reported(loader, monkeypatch):
    broken = {**phases.PHASE_COMPLETED_BY, 4: {"specs_app": "0004_generated_projects"}}
    broken[2] = {"specs_app": "0002_test_results", "teams_app": "0002_project_shares"}
    monkeypatch.setattr(phases, "PHASE_COMPLETED_BY", broken)

    problems = phases.check_phase_map(loader.graph)

    assert "specs_app: phase targets go backwards in its migration chain" not in problems
    assert any(
        p.startswith("phase 2: teams_app.0002_project_shares depends on specs_app.0003")
        for p in problems
    ), problems


def test_a_migration_after_the_last_named_one_of_its_app_belongs_to_no_phase(loader, monkeypatch):
    shortened = {**phases.PHASE_COMPLETED_BY, 4: {"specs_app": "0004_generated_projects"}}
    monkeypatch.setattr(phases, "PHASE_COMPLETED_BY", shortened)

    problems = phases.check_phase_map(loader.graph)

    assert "specs_app.0005_question_template_id belongs to no phase: name it (or a later " in (
        "\n".join(problems)
    )


def test_a_phase_map_naming_a_missing_migration_is_reported(loader, monkeypatch):
    monkeypatch.setattr(
        phases, "PHASE_COMPLETED_BY", {**phases.PHASE_COMPLETED_BY, 1: {"auth_app": "0002_nope"}}
    )

    assert phases.check_phase_map(loader.graph) == [
        "phase 1 names auth_app.0002_nope, which does not exist"
    ]


@pytest.mark.parametrize(
    ("key", "default", "specs"),
    [
        (("auth_app", "0002_user_rules"), True, False),
        (("teams_app", "0001_teams"), True, False),
        (("teams_app", "0002_project_shares"), False, True),  # ProjectShare routes to specs
        (("knowledge_app", "0001_vector_extension"), False, True),  # hints={"target_db": ...}
        (("specs_app", "0001_initial"), False, True),
        (("contenttypes", "0001_initial"), True, False),
    ],
)
def test_a_migration_touches_only_the_databases_its_router_allows(loader, key, default, specs):
    assert phases.touches(loader, key, "default") is default
    assert phases.touches(loader, key, "specs") is specs


def test_status_line_names_phase_ranges_that_look_alike_and_pending_work():
    status = phases.DatabaseStatus(
        alias="specs",
        database_name="socrates_specs",
        phase=1,
        lowest_phase=0,
        pending={2: [("specs_app", "0002_test_results")], 0: [("admin", "0001_initial")]},
    )

    assert status.describe() == [
        "Database 'specs' (socrates_specs): phase 1 (phases 0-1 have the same schema on this "
        "database)",
        "  pending for phase 0: admin (1 migrations)",
        "  pending for phase 2: specs_app.0002_test_results",
    ]


def test_unknown_phase_is_refused(loader):
    with pytest.raises(phases.PhaseError, match="Unknown phase 9; phases are 0-6"):
        phases.phase_targets(loader.graph, 9)

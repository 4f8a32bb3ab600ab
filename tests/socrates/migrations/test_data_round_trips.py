"""Rows survive phase round trips: seed phase N's tables, go to N+1 and back, find them unchanged.

Uses django-test-migrations' `migrator_factory` on each database; rows are written with the
historical models of the phase they belong to.
"""

import datetime
import decimal
import uuid

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from socrates import phases

BOTH = ["default", "specs"]
pytestmark = pytest.mark.django_db(transaction=True, databases=BOTH)

OWNER = uuid.UUID("00000000-0000-4000-8000-000000000001")
WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)


def seed_auth_phase_0(apps, alias):
    user_model = apps.get_model("auth_app", "User")
    audit_log = apps.get_model("auth_app", "AuditLog")
    alice = user_model.objects.using(alias).create(
        username="alice", email="alice@example.com", password="x", date_joined=WHEN
    )
    user_model.objects.using(alias).create(username="bob", email="bob@example.com", password="y")
    audit_log.objects.using(alias).create(
        user=alice, action="login", ip="127.0.0.1", details={"via": "password"}, timestamp=WHEN
    )
    return ["users", "audit_logs"]


def seed_auth_phase_1(apps, alias):
    user = apps.get_model("auth_app", "User").objects.using(alias).get(username="alice")
    rules = apps.get_model("auth_app", "UserRules")
    rules.objects.using(alias).create(user=user, rules={"prefer_python": True, "detail_level": 2})
    return ["user_rules"]


def seed_auth_phase_3(apps, alias):
    user = apps.get_model("auth_app", "User").objects.using(alias).get(username="alice")
    api_key = apps.get_model("auth_app", "ApiKey")
    api_key.objects.using(alias).create(
        user=user, provider="claude", api_key_encrypted="gAAAA-encrypted", key_last_four="1234"
    )
    return ["api_keys"]


def seed_specs_phase_0(apps, alias):
    def model(name):
        return apps.get_model("specs_app", name).objects.using(alias)

    project = model("Project").create(
        owner_id=OWNER, creator_id=OWNER, name="Socrates", maturity_score=42.5
    )
    session = model("Session").create(project=project, domain="web", started_at=WHEN)
    model("Question").create(
        project=project, session=session, text="Why?", category="goals", quality_score=0.75
    )
    spec = model("Specification").create(
        project=project, session=session, category="tech", key="db", value="postgres"
    )
    model("ConversationHistory").create(
        session=session, role="user", content="Postgres", metadata={"n": 1}, created_at=WHEN
    )
    model("Conflict").create(
        project=project, conflict_type="technology", description="two dbs", spec_ids=[spec.id]
    )
    model("QualityMetric").create(project=project, metric_type="coverage", metric_value=0.5)
    return [
        "projects",
        "sessions",
        "questions",
        "specifications",
        "conversation_history",
        "conflicts",
        "quality_metrics",
    ]


def _project(apps, alias):
    return apps.get_model("specs_app", "Project").objects.using(alias).get(name="Socrates")


def seed_specs_phase_2(apps, alias):
    test_result = apps.get_model("specs_app", "TestResult")
    test_result.objects.using(alias).create(
        project=_project(apps, alias), technology_stack={"db": "postgres"}, test_status="passed"
    )
    return ["test_results"]


def seed_specs_phase_3(apps, alias):
    usage = apps.get_model("specs_app", "LlmUsage")
    usage.objects.using(alias).create(
        user_id=OWNER,
        project=_project(apps, alias),
        provider="claude",
        model="claude-x",
        tokens_total=1200,
        cost_usd=decimal.Decimal("0.012345"),
        timestamp=WHEN,
    )
    return ["llm_usage_tracking"]


def seed_specs_phase_4(apps, alias):
    generation = (
        apps.get_model("specs_app", "GeneratedProject")
        .objects.using(alias)
        .create(project=_project(apps, alias), generation_version=1, test_coverage=0.8)
    )
    apps.get_model("specs_app", "GeneratedFile").objects.using(alias).create(
        generated_project=generation, file_path="main.py", file_content="print(1)\n"
    )
    return ["generated_projects", "generated_files"]


def seed_specs_phase_5(apps, alias):
    def model(name):
        return apps.get_model("knowledge_app", name).objects.using(alias)

    model("UserBehaviorPattern").create(
        user_id=OWNER, pattern_type="style", pattern_data={"terse": True}, confidence=0.9
    )
    model("QuestionEffectiveness").create(
        user_id=OWNER, question_template_id="why", times_asked=3, effectiveness_score=0.6
    )
    model("KnowledgeBaseDocument").create(
        project=_project(apps, alias),
        user_id=OWNER,
        filename="notes.md",
        content="Use PostgreSQL.",
        embedding=[0.5] * 384,
    )
    return ["user_behavior_patterns", "question_effectiveness", "knowledge_base_documents"]


SEEDS = {
    ("default", 0): seed_auth_phase_0,
    ("default", 1): seed_auth_phase_1,
    ("default", 3): seed_auth_phase_3,
    ("specs", 0): seed_specs_phase_0,
    ("specs", 2): seed_specs_phase_2,
    ("specs", 3): seed_specs_phase_3,
    ("specs", 4): seed_specs_phase_4,
    ("specs", 5): seed_specs_phase_5,
}


def targets(phase):
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return [
        (app, key[1] if key else None) for app, key in phases.phase_targets(graph, phase).items()
    ]


def phase_changes(alias, phase) -> bool:
    """Whether any migration of `phase` acts on the database `alias`."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return any(
        phases.phase_of_migration(loader.graph, key) == phase and phases.touches(loader, key, alias)
        for key in loader.graph.nodes
        if key[0] in phases.PHASED_APPS
    )


def applied_state(alias):
    """The models as the database `alias` has them now.

    The state Migrator returns after a backwards plan spanning several apps can still hold
    changes of migrations it unapplied (Django builds it in full-plan order), so ask the
    database instead.
    """
    return MigrationExecutor(connections[alias])._create_project_state(with_applied_migrations=True)


def rows(alias, tables, columns=None):
    found = {}
    with connections[alias].cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            names = [column.name for column in cursor.description]
            found[table] = [
                {k: v for k, v in zip(names, row, strict=True) if not columns or k in columns}
                for row in cursor.fetchall()
            ]
    return found


def drop_queue_schema(alias: str) -> None:
    """Drop the job queue's tables, functions and types. The migrator starts from an empty
    database by dropping the tables of managed models and forgetting every applied migration;
    procrastinate's models are unmanaged, so its objects would survive while its migrations are
    forgotten, and applying them again would fail ("already exists")."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            """
            DO $$ DECLARE r record; BEGIN
              FOR r IN SELECT tablename FROM pg_tables
                       WHERE schemaname = 'public' AND tablename LIKE 'procrastinate%' LOOP
                EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
              END LOOP;
              FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                       JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname = 'public' AND p.proname LIKE 'procrastinate%' LOOP
                EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.signature);
              END LOOP;
              FOR r IN SELECT t.typname FROM pg_type t
                       JOIN pg_namespace n ON n.oid = t.typnamespace
                       WHERE n.nspname = 'public' AND t.typname LIKE 'procrastinate%'
                         AND t.typtype IN ('e', 'c', 'd') LOOP
                EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
              END LOOP;
            END $$;
            """
        )


@pytest.mark.slow  # every phase down and up again
@pytest.mark.parametrize("alias", BOTH)
def test_rows_of_each_phase_come_back_unchanged_from_the_next_phase(migrator_factory, alias):
    migrator = migrator_factory(alias)
    drop_queue_schema(alias)
    migrator.apply_initial_migration(targets(phases.FIRST_PHASE))
    # The initial plan is broad (it may run later migrations of other apps): trim it to phase 0.
    migrator.apply_tested_migration(targets(phases.FIRST_PHASE))
    seeded: list[str] = []
    checked = []
    for phase in phases.PHASES[:-1]:
        seed = SEEDS.get((alias, phase))
        if seed:
            seeded += seed(applied_state(alias).apps, alias)
        if not phase_changes(alias, phase + 1):
            migrator.apply_tested_migration(targets(phase + 1))
            continue
        before = rows(alias, seeded)
        columns = {table: set(table_rows[0]) for table, table_rows in before.items()}
        assert all(before.values()), f"phase {phase} seeds left a table empty on {alias}"

        migrator.apply_tested_migration(targets(phase + 1))
        ahead = rows(alias, seeded)
        assert {t: [{k: r[k] for k in columns[t]} for r in ahead[t]] for t in ahead} == before

        migrator.apply_tested_migration(targets(phase))
        assert rows(alias, seeded) == before, f"rows changed going {phase}->{phase + 1}->{phase}"

        migrator.apply_tested_migration(targets(phase + 1))
        checked.append(phase + 1)
    assert checked == [n for n in phases.PHASES[1:] if phase_changes(alias, n)]
    assert len(checked) >= 3

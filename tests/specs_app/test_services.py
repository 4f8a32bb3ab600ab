"""Services behind the phase-0 endpoints: versions, retirement, sessions, conflicts, hooks."""

import pytest

from socrates.errors import Conflict as ConflictError
from socrates.errors import ValidationFailed
from specs_app import services
from specs_app.models import Conflict, ConversationHistory, Specification
from tests.factories import (
    ConflictFactory,
    ProjectFactory,
    QuestionFactory,
    SessionFactory,
    SpecificationFactory,
)
from tests.helpers import BOTH


def values(project, key):
    return list(
        Specification.objects.filter(project=project, key=key)
        .order_by("created_at", "id")
        .values_list("value", "is_current")
    )


@pytest.mark.django_db(databases=BOTH)
def test_update_writes_a_new_version_and_keeps_the_old_one_in_history():
    first = SpecificationFactory(key="database", value="pg", confidence=0.9)

    second = services.specification_update(spec=first, value="pg 18")

    first.refresh_from_db()
    assert (second.value, second.is_current, second.confidence) == ("pg 18", True, 0.9)
    assert not first.is_current and first.superseded_by_id == second.pk
    assert first.superseded_at is not None
    assert values(first.project, "database") == [("pg", False), ("pg 18", True)]


@pytest.mark.django_db(databases=BOTH)
def test_only_the_current_version_can_be_updated_or_retired():
    first = SpecificationFactory(key="database", value="pg")
    second = services.specification_update(spec=first, value="mysql")

    for operation in (services.specification_update, services.specification_delete):
        with pytest.raises(ConflictError, match=f"the current version is {second.pk}"):
            operation(spec=first)


@pytest.mark.django_db(databases=BOTH)
def test_create_refuses_a_key_that_has_a_current_version():
    existing = SpecificationFactory(category="tech", key="database")

    with pytest.raises(ConflictError, match="update it to write a new version") as raised:
        services.specification_create(project=existing.project, category="tech", key="database")

    assert raised.value.details["current_id"] == str(existing.pk)


@pytest.mark.django_db(databases=BOTH)
def test_delete_retires_without_erasing_and_the_key_can_be_created_again():
    spec = SpecificationFactory(category="tech", key="database", value="pg")

    services.specification_delete(spec=spec)
    again = services.specification_create(
        project=spec.project, category="tech", key="database", value="sqlite"
    )

    spec.refresh_from_db()
    assert not spec.is_current and spec.superseded_by is None and spec.superseded_at
    assert values(spec.project, "database") == [("pg", False), ("sqlite", True)]
    assert again.is_current


@pytest.mark.django_db(databases=BOTH)
def test_a_session_of_another_project_is_refused():
    project = ProjectFactory()

    with pytest.raises(ValidationFailed, match="session_id"):
        services.specification_create(
            project=project, category="c", key="k", session=SessionFactory()
        )


@pytest.mark.django_db(databases=BOTH)
def test_post_write_checks_run_in_the_transaction_and_can_roll_it_back():
    calls = []

    def record(*, spec, previous, action):
        calls.append((spec.value, previous.value if previous else None, action))

    def refuse(*, spec, previous, action):
        if spec.value == "forbidden":
            raise ValidationFailed("value: forbidden by a rule")

    services.register_post_write_check(record)
    services.register_post_write_check(refuse)
    try:
        spec = SpecificationFactory(key="k", value="a")
        created = services.specification_create(project=spec.project, category="c", key="x")
        updated = services.specification_update(spec=created, value="b")
        with pytest.raises(ValidationFailed):
            services.specification_update(spec=updated, value="forbidden")
    finally:
        services.unregister_post_write_check(record)
        services.unregister_post_write_check(refuse)

    assert calls == [("", None, "create"), ("b", "", "update"), ("forbidden", "b", "update")]
    updated.refresh_from_db()
    assert updated.is_current and values(spec.project, "x") == [("", False), ("b", True)]


@pytest.mark.django_db(databases=BOTH)
def test_archived_projects_are_read_only_until_restored():
    project = services.project_archive(project=ProjectFactory())
    again = services.project_archive(project=project)

    assert again.status == "archived" and again.archived_at == project.archived_at
    with pytest.raises(ConflictError, match="is archived; restore it"):
        services.session_create(project=project)
    with pytest.raises(ConflictError, match="is archived"):
        services.project_update(project=project, name="x")
    restored = services.project_restore(project=project)
    assert restored.status == "active" and restored.archived_at is None
    assert services.session_create(project=restored).status == "active"


@pytest.mark.django_db(databases=BOTH)
def test_completed_projects_are_not_restored():
    project = ProjectFactory(status="completed")

    with pytest.raises(ConflictError, match="is completed, not archived"):
        services.project_restore(project=project)


@pytest.mark.django_db(databases=BOTH)
def test_session_state_machine():
    session = SessionFactory()

    assert services.session_pause(session=session).status == "paused"
    with pytest.raises(ConflictError, match="Cannot pause session .*: it is paused"):
        services.session_pause(session=session)
    assert services.session_resume(session=session).status == "active"
    ended = services.session_end(session=session)
    assert ended.status == "completed" and ended.ended_at is not None
    with pytest.raises(ConflictError, match="Cannot resume"):
        services.session_resume(session=session)


@pytest.mark.django_db(databases=BOTH)
def test_answers_are_stored_as_user_turns_only_in_active_sessions():
    session = SessionFactory()
    question = QuestionFactory(session=session)

    turn = services.answer_record(
        session=session, user_id=session.project.owner_id, answer="Shops", question_id=question.pk
    )
    services.session_pause(session=session)
    session.refresh_from_db()

    assert (turn.role, turn.message_type, turn.content) == ("user", "answer", "Shops")
    assert turn.metadata["question_id"] == str(question.pk)
    with pytest.raises(ConflictError, match="only an active session takes answers"):
        services.answer_record(session=session, user_id=session.project.owner_id, answer="x")
    assert ConversationHistory.objects.count() == 1


# --- Conflict resolution -------------------------------------------------------------------


def conflict_between(old_value="PostgreSQL", new_value="MongoDB"):
    old = SpecificationFactory(category="tech_stack", key="database", value=old_value)
    new = SpecificationFactory(
        project=old.project, category="tech_stack", key="db", value=new_value
    )
    conflict = ConflictFactory(project=old.project, spec_ids=[old.pk, new.pk])
    return old, new, conflict


def resolve(conflict, action, **kwargs):
    return services.conflict_resolve(
        conflict=conflict, action=action, user_id=conflict.project.owner_id, **kwargs
    )


def current_values(project):
    return sorted(
        Specification.objects.filter(project=project, is_current=True).values_list("key", "value")
    )


@pytest.mark.django_db(databases=BOTH)
def test_keep_old_drops_the_newcomer():
    old, new, conflict = conflict_between()

    resolved = resolve(conflict, "keep_old", notes="stay")

    new.refresh_from_db()
    assert current_values(old.project) == [("database", "PostgreSQL")]
    assert not new.is_current and new.superseded_by is None
    assert (resolved.status, resolved.resolution) == ("resolved", "keep_old: stay")
    assert resolved.resolved_by_user == conflict.project.owner_id and resolved.resolved_at


@pytest.mark.django_db(databases=BOTH)
def test_keep_old_reinstates_the_version_the_newcomer_superseded():
    old = SpecificationFactory(category="tech_stack", key="database", value="PostgreSQL")
    new = services.specification_update(spec=old, value="MongoDB")
    conflict = ConflictFactory(project=old.project, spec_ids=[old.pk, new.pk])

    resolve(conflict, "keep_old")

    old.refresh_from_db()
    assert old.is_current and old.superseded_by is None and old.superseded_at is None
    assert current_values(old.project) == [("database", "PostgreSQL")]


@pytest.mark.django_db(databases=BOTH)
def test_replace_makes_the_newcomer_current_and_supersedes_the_old():
    old, new, conflict = conflict_between()

    resolve(conflict, "replace")

    old.refresh_from_db()
    assert current_values(old.project) == [("db", "MongoDB")]
    assert old.superseded_by_id == new.pk


@pytest.mark.django_db(databases=BOTH)
def test_replace_brings_back_a_newcomer_that_was_not_current():
    old = SpecificationFactory(category="tech_stack", key="database", value="PostgreSQL")
    new = SpecificationFactory(
        project=old.project, category="tech_stack", key="database", value="Mongo", is_current=False
    )
    conflict = ConflictFactory(project=old.project, spec_ids=[old.pk, new.pk])

    resolve(conflict, "replace")

    assert current_values(old.project) == [("database", "Mongo")]


@pytest.mark.django_db(databases=BOTH)
def test_merge_stores_the_merged_value_as_a_new_version_of_the_old_key():
    old, new, conflict = conflict_between()

    resolve(conflict, "merge", merged_value="PostgreSQL, MongoDB for logs")

    old.refresh_from_db()
    new.refresh_from_db()
    assert current_values(old.project) == [("database", "PostgreSQL, MongoDB for logs")]
    merged = Specification.objects.get(is_current=True)
    assert old.superseded_by_id == merged.pk and new.superseded_by_id == merged.pk


@pytest.mark.django_db(databases=BOTH)
def test_ignore_changes_no_specification():
    old, new, conflict = conflict_between()

    resolved = resolve(conflict, "ignore", notes="both fine")

    assert resolved.status == "ignored" and resolved.resolution == "ignore: both fine"
    assert current_values(old.project) == [("database", "PostgreSQL"), ("db", "MongoDB")]


@pytest.mark.django_db(databases=BOTH)
def test_only_open_conflicts_are_resolved_and_merge_needs_a_value():
    _old, _new, conflict = conflict_between()

    with pytest.raises(ValidationFailed, match="merged_value: required"):
        resolve(conflict, "merge")
    resolve(conflict, "ignore")
    with pytest.raises(ConflictError, match="is already ignored"):
        resolve(Conflict.objects.get(pk=conflict.pk), "replace")

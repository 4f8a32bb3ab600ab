"""0006_username_ci_unique refuses to run over case duplicates, naming them and the fix."""

import pytest
from django.core.management.base import CommandError

from tests.helpers import BOTH

pytestmark = [pytest.mark.django_db(transaction=True, databases=BOTH), pytest.mark.slow]

BEFORE = ("auth_app", "0005_deprecated_endpoint_calls")
INDEX = ("auth_app", "0006_username_ci_unique")


def test_case_duplicates_stop_the_migration_until_they_are_resolved(migrator_factory):
    migrator = migrator_factory("default")
    old_state = migrator.apply_initial_migration(BEFORE)
    user_model = old_state.apps.get_model("auth_app", "User")
    for number, name in enumerate(("ada", "ADA", "bob")):
        user_model.objects.using("default").create(
            username=name, email=f"user{number}@example.com", password="x"
        )

    with pytest.raises(CommandError) as refused:
        migrator.apply_tested_migration(INDEX)

    message = str(refused.value)
    assert "ADA / ada" in message
    assert "manage.py resolve_username_duplicates --dry-run" in message

    user_model.objects.using("default").filter(username="ADA").update(username="ADA-2")
    new_state = migrator.apply_tested_migration(INDEX)
    users = new_state.apps.get_model("auth_app", "User").objects.using("default")
    assert sorted(users.values_list("username", flat=True)) == ["ADA-2", "ada", "bob"]

"""specs_app.selectors: who reaches a project, at which level; and the JSON parser's limits."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import ParseError, ValidationError

from socrates.api.exceptions import RequestTooLarge
from socrates.api.parsers import JSONParser
from socrates.errors import NotFound, PermissionDenied
from specs_app import access, selectors
from teams_app.models import ProjectShare, Team, TeamMember
from tests.factories import ProjectFactory, UserFactory
from tests.helpers import BOTH, share


def join(user, project, *, level, role):
    team = Team.objects.create(name=f"{role}-{level}")
    TeamMember.objects.create(team=team, user=user, role=role)
    ProjectShare.objects.create(
        project=project, team_id=team.pk, shared_by=project.owner_id, permission_level=level
    )


@pytest.mark.django_db(databases=BOTH)
def test_owner_has_owner_level(owner, project):
    access = selectors.project_access(owner, project.pk)

    assert (access.level, access.team_role) == ("owner", None)
    assert access.allows("admin")


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("level", "role", "expected"),
    [
        ("read", "owner", "read"),
        ("write", "developer", "write"),
        ("admin", "lead", "admin"),
        ("admin", "viewer", "read"),
        ("write", "viewer", "read"),
    ],
)
def test_share_level_is_capped_for_viewers(project, level, role, expected):
    user = share(project, level=level, role=role)

    access = selectors.project_access(user, project.pk)

    assert (access.level, access.team_role) == (expected, role)


@pytest.mark.django_db(databases=BOTH)
def test_several_shares_give_the_highest_level(project):
    user = UserFactory()
    join(user, project, level="read", role="developer")
    join(user, project, level="admin", role="viewer")
    join(user, project, level="write", role="developer")

    assert selectors.project_access(user, project.pk).level == "write"


@pytest.mark.django_db(databases=BOTH)
def test_strangers_and_anonymous_get_not_found(project):
    for user in (UserFactory(), AnonymousUser(), None):
        with pytest.raises(NotFound, match=f"Project {project.pk} not found"):
            selectors.project_access(user, project.pk)


@pytest.mark.django_db(databases=BOTH)
def test_a_lower_level_is_permission_denied(project):
    reader = share(project, level="read")

    with pytest.raises(PermissionDenied, match="is 'read'; this needs 'write'"):
        selectors.project_get(user=reader, project_id=project.pk, needed="write")


@pytest.mark.django_db(databases=BOTH)
def test_projects_for_lists_owned_and_shared_projects_once(owner, project):
    shared = ProjectFactory()
    join(owner, shared, level="read", role="viewer")
    join(owner, shared, level="write", role="lead")
    ProjectFactory()

    ids = set(access.projects_for(owner).values_list("id", flat=True))

    assert ids == {project.pk, shared.pk}
    assert access.projects_for(owner).count() == 2
    assert set(selectors.readable_project_ids(owner).values_list("id", flat=True)) == ids
    assert not access.projects_for(AnonymousUser()).exists()


def parse(raw: bytes):
    return JSONParser().parse(io.BytesIO(raw), parser_context={})


def test_parser_enforces_the_body_limit_while_streaming(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10

    assert parse(b'{"a": 1}') == {"a": 1}
    with pytest.raises(RequestTooLarge, match="larger than 10 bytes"):
        parse(b'{"a": "0123456789"}')


def test_parser_refuses_nul_characters_naming_the_path():
    with pytest.raises(ValidationError) as raised:
        parse(b'{"a": {"b\\u0000": 1}}')

    assert raised.value.detail == {"a.b\\u0000": ["NUL characters are not allowed."]}


def test_parser_turns_deep_nesting_into_a_parse_error():
    with pytest.raises(ParseError, match="JSON parse error"):
        parse(b"[" * 50_000 + b"]" * 50_000)

"""What teams_app decides when a user is deleted (socrates.deletion does the deleting)."""

from __future__ import annotations

from socrates import crossdb
from socrates.errors import Conflict
from teams_app import selectors
from teams_app.models import (
    ProjectShare,
    Team,
    TeamMember,
    TeamRole,
)
from teams_app.services.common import (
    TEAM_MODEL,
)


def teams_left_by(*, user) -> list:
    """Return the teams that go with a user being deleted: those where they are alone.

    Refused (Conflict ``last_owner``) while they are the last owner of a team with others.
    """
    solo = []
    for team_id, role in selectors.memberships_of(user_id=user.pk).items():
        if role != TeamRole.OWNER:
            continue
        others = TeamMember.objects.filter(team_id=team_id).exclude(user_id=user.pk)
        if not others.exists():
            solo.append(team_id)
        elif not others.filter(role=TeamRole.OWNER).exists():
            raise Conflict(
                f"{user.username} is the last owner of a team with other members; make "
                "another member owner or delete the team first.",
                code="last_owner",
                details={"team_id": str(team_id)},
            )
    return solo


def share_purge_orphans() -> dict[str, int]:
    """Sweep shares whose team no longer exists (left by an interrupted delete)."""
    team_ids = set(ProjectShare.objects.values_list("team_id", flat=True).distinct())
    if not team_ids:
        return {}
    existing = set(Team.objects.filter(pk__in=team_ids).values_list("pk", flat=True))
    return crossdb.sweep(TEAM_MODEL, team_ids - existing)

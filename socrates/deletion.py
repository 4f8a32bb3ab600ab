"""Deleting a user across both databases (project root: it reaches every app).

What happens to each row that names the user is declared on its field (socrates.crossdb):
projects they own refuse the delete (transfer or delete them first); what they did inside other
people's projects passes to the project's owner (shares they made, documents they uploaded,
projects they created); conflicts they resolved keep the resolution without the resolver; their
own records go (LLM usage, question effectiveness, behaviour patterns). In socrates_auth,
memberships, rules and API keys cascade; audit rows keep their history with the user set to
null. Teams where the user is the only member go with them (and their shares, declared the
same way); the last owner of a team with other members is refused (promote someone first).

Cross-database deletes cannot be atomic, so the order makes a crash harmless: the user is
deactivated (no new work starts), socrates_specs is swept, the user is deleted in
socrates_auth, socrates_specs is swept again for anything made in between. Calling this again
with the same id (even once the user is gone) finishes the job.
"""

from __future__ import annotations

import uuid
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from auth_app.audit import AuditAction
from auth_app.services import audit_log
from socrates import crossdb
from socrates.db import AUTH_DB
from socrates.errors import Conflict
from teams_app import services as team_services
from teams_app.models import Team, TeamMember

USER = settings.AUTH_USER_MODEL
TEAM = "teams_app.Team"


def _refuse_if_protected(user) -> None:
    for reference, count in crossdb.protecting(USER, user.pk):
        raise Conflict(
            f"{user.username} {reference.refusal.format(count=count)}; transfer or delete them "
            "before deleting the user.",
            code="user_owns_projects",
            details={reference.source_model._meta.db_table: count},
        )


def _sweep(user_id: uuid.UUID, team_ids: list) -> Counter:
    # The solo teams' shares first, then the user's own references (shares they made pass to
    # the project's owner), exactly what check_integrity would otherwise report.
    changed = Counter(crossdb.sweep(TEAM, team_ids))
    changed.update(crossdb.sweep(USER, [user_id]))
    return changed


def user_delete(*, user_id, actor=None) -> dict:
    """Delete a user and everything that would dangle without them; return what changed.

    The result maps each cross-database reference's label to the rows changed, plus
    ``user_deleted`` and ``teams_deleted``.
    """
    user_id = uuid.UUID(str(user_id))
    user_model = get_user_model()
    user = user_model.objects.filter(pk=user_id).first()
    solo_team_ids: list = []
    if user is not None:
        _refuse_if_protected(user)
        solo_team_ids = team_services.teams_left_by(user=user)
        user_model.objects.filter(pk=user_id).update(is_active=False)
    changed = _sweep(user_id, solo_team_ids)
    if user is not None:
        # A project made while the checks ran would be left without an owner.
        _refuse_if_protected(user)
        with transaction.atomic(using=AUTH_DB):
            memberships = list(
                TeamMember.objects.filter(user_id=user_id)
                .exclude(team_id__in=solo_team_ids)
                .values_list("team_id", "role")
            )
            Team.objects.filter(pk__in=solo_team_ids).delete()
            user_model.objects.filter(pk=user_id).delete()
            auditor = actor if getattr(actor, "pk", None) not in (None, user_id) else None
            for team_id, role in memberships:
                team_services.audit_member_removed(
                    actor=auditor,
                    team_id=team_id,
                    user_id=user_id,
                    role=role,
                    reason="user_deleted",
                )
            for team_id in solo_team_ids:
                team_services.audit(
                    actor=auditor,
                    action=AuditAction.TEAM_DELETED,
                    resource_type="team",
                    resource_id=team_id,
                    details={"reason": "user_deleted", "user_id": user_id},
                )
            audit_log(
                user=auditor,
                action=AuditAction.USER_DELETED,
                resource_type="user",
                resource_id=str(user_id),
                details={"username": user.username, "teams_deleted": len(solo_team_ids)},
            )
    changed.update(_sweep(user_id, solo_team_ids))
    changed.update(team_services.share_purge_orphans())
    return dict(changed) | {"user_deleted": user is not None, "teams_deleted": len(solo_team_ids)}

"""Writes for teams, members, invitations and project shares.

Teams, members, invitations and the audit log live in socrates_auth (`default`); project
shares live in socrates_specs (`specs`). Every membership change, invitation event and share
change is written to audit_logs. Deleting a user is the project root's (socrates.deletion).
"""

from teams_app.services.common import (
    INVITATION_LIFETIME,
    INVITATION_TOKEN_BYTES,
    audit,
    audit_member_removed,
)
from teams_app.services.invitations import (
    hash_invitation_token,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_revoke,
)
from teams_app.services.leaving import (
    share_purge_orphans,
    teams_left_by,
)
from teams_app.services.members import (
    member_add,
    member_change_role,
    member_remove,
)
from teams_app.services.shares import (
    share_create,
    share_delete,
    share_update,
)
from teams_app.services.teams import (
    team_create,
    team_delete,
    team_purge_shares,
    team_update,
)

__all__ = [
    "INVITATION_LIFETIME",
    "INVITATION_TOKEN_BYTES",
    "audit",
    "audit_member_removed",
    "hash_invitation_token",
    "invitation_accept",
    "invitation_create",
    "invitation_decline",
    "invitation_revoke",
    "member_add",
    "member_change_role",
    "member_remove",
    "share_create",
    "share_delete",
    "share_purge_orphans",
    "share_update",
    "team_create",
    "team_delete",
    "team_purge_shares",
    "team_update",
    "teams_left_by",
]

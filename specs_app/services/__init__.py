"""Writes of socrates_specs, one module per resource; everything is re-exported here."""

from specs_app.services.conflicts import ACTIONS as CONFLICT_ACTIONS
from specs_app.services.conflicts import conflict_resolve
from specs_app.services.conversation import (
    answer_record,
    answer_turn_append,
    conversation_append,
)
from specs_app.services.projects import (
    ensure_writable,
    project_archive,
    project_create,
    project_restore,
    project_update,
)
from specs_app.services.questions import question_create
from specs_app.services.sessions import (
    ensure_session_active,
    session_create,
    session_end,
    session_pause,
    session_resume,
)
from specs_app.services.specifications import (
    POST_WRITE_CHECKS,
    register_post_write_check,
    specification_create,
    specification_delete,
    specification_supersede,
    specification_update,
    unregister_post_write_check,
)

__all__ = [
    "CONFLICT_ACTIONS",
    "POST_WRITE_CHECKS",
    "answer_record",
    "answer_turn_append",
    "conflict_resolve",
    "conversation_append",
    "ensure_session_active",
    "ensure_writable",
    "project_archive",
    "project_create",
    "project_restore",
    "project_update",
    "question_create",
    "register_post_write_check",
    "session_create",
    "session_end",
    "session_pause",
    "session_resume",
    "specification_create",
    "specification_delete",
    "specification_supersede",
    "specification_update",
    "unregister_post_write_check",
]

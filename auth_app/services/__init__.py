"""Writes of socrates_auth: accounts and the audit log (``accounts``), users' LLM API keys
(``api_keys``)."""

from auth_app.services.accounts import (
    audit_log,
    deprecated_call_record,
    login_failed_record,
    login_record,
    logout,
    on_user_logged_in,
    on_user_logged_out,
    on_user_login_failed,
    user_register,
    username_duplicates_resolve,
)

__all__ = [
    "audit_log",
    "deprecated_call_record",
    "login_failed_record",
    "login_record",
    "logout",
    "on_user_logged_in",
    "on_user_logged_out",
    "on_user_login_failed",
    "user_register",
    "username_duplicates_resolve",
]

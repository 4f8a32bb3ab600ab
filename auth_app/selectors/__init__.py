"""Reads of socrates_auth: users (``accounts``), deprecated-endpoint call counts
(``deprecations``), users' LLM API keys (``api_keys``)."""

from auth_app.selectors.accounts import username_case_duplicates
from auth_app.selectors.deprecations import deprecated_call_stats

__all__ = ["deprecated_call_stats", "username_case_duplicates"]

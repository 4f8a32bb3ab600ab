"""Reads of socrates_auth: deprecated-endpoint call counts (``deprecations``), users' LLM API
keys (``api_keys``)."""

from auth_app.selectors.deprecations import deprecated_call_stats

__all__ = ["deprecated_call_stats"]

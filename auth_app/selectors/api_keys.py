"""Reads of users' LLM API keys. Listings never carry the key; only the LLM caller decrypts."""

import logging
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from auth_app import crypto
from auth_app.models import ApiKey
from socrates import phases

logger = logging.getLogger("socrates.llm")


def api_key_list(*, user) -> QuerySet[ApiKey]:
    """Return the user's stored keys (callers show provider, last four and dates only)."""
    return ApiKey.objects.filter(user=user).order_by("provider").defer("api_key_encrypted")


@dataclass(frozen=True, repr=False)
class UsableKey:
    id: uuid.UUID
    provider: str
    secret: str

    def __repr__(self) -> str:  # never show the secret
        return f"<UsableKey {self.provider} {self.id}>"


# The phase whose schema holds api_keys.
KEYS_PHASE = 3


def api_key_for_use(*, user_id, provider: str) -> UsableKey | None:
    """Return the user's active key for a provider, decrypted, or None.

    A key that no configured encryption key can read counts as missing (and is logged by id,
    so an operator can see that API_KEY_ENCRYPTION_KEYS lost the key that wrote it). Below
    phase 3 (no api_keys table) there is none.
    """
    if not phases.phase_enabled(KEYS_PHASE):
        return None
    row = (
        ApiKey.objects.filter(user_id=user_id, provider=provider, is_active=True)
        .only("id", "provider", "api_key_encrypted")
        .first()
    )
    if row is None:
        return None
    try:
        secret = crypto.decrypt(row.api_key_encrypted)
    except crypto.DecryptionFailed:
        logger.error(
            "API key %s (%s) cannot be decrypted with the configured keys", row.id, provider
        )
        return None
    return UsableKey(id=row.id, provider=row.provider, secret=secret)

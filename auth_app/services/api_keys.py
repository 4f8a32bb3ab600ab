"""Writes for users' LLM API keys: store (encrypted), delete, mark used, rotate.

The plaintext key only exists in memory: it is encrypted before it reaches the database and
is never logged; audit entries carry the provider and the last four characters only.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from auth_app import crypto
from auth_app.audit import AuditAction
from auth_app.models import ApiKey, LlmProvider, User
from auth_app.services.accounts import audit_log
from socrates.db import AUTH_DB
from socrates.errors import NotFound, ValidationFailed

logger = logging.getLogger("socrates.llm")

KEY_MIN_LENGTH = 8
KEY_MAX_LENGTH = 512


def _clean_key(api_key) -> str:
    if not isinstance(api_key, str):
        raise ValidationFailed("api_key must be a string.", details={"api_key": ["not a string"]})
    key = api_key.strip()
    if not KEY_MIN_LENGTH <= len(key) <= KEY_MAX_LENGTH:
        raise ValidationFailed(
            f"api_key must be {KEY_MIN_LENGTH} to {KEY_MAX_LENGTH} characters long.",
            details={"api_key": [f"length must be {KEY_MIN_LENGTH}-{KEY_MAX_LENGTH}"]},
        )
    if any(ch.isspace() for ch in key) or not key.isprintable():
        raise ValidationFailed(
            "api_key must not contain spaces or control characters.",
            details={"api_key": ["contains spaces or control characters"]},
        )
    return key


def api_key_set(*, user: User, provider: str, api_key: str, request=None) -> tuple[ApiKey, bool]:
    """Store or replace the user's key for a provider; return (row, created)."""
    # Which providers exist, with their models and prices, is specs_app.llm.registry's to say
    # (a layer above: its api_key_store checks first); here only the table's own rule.
    if provider not in LlmProvider.values:
        raise ValidationFailed(
            f"Unknown LLM provider {provider!r}; choose one of: {', '.join(LlmProvider.values)}.",
            details={"provider": [f"must be one of {', '.join(LlmProvider.values)}"]},
            code="unknown_provider",
        )
    key = _clean_key(api_key)
    ciphertext = crypto.encrypt(key)
    with transaction.atomic(using=AUTH_DB):
        row, created = ApiKey.objects.select_for_update().update_or_create(
            user=user,
            provider=provider,
            defaults={
                "api_key_encrypted": ciphertext,
                "key_last_four": key[-4:],
                "is_active": True,
            },
        )
        audit_log(
            user=user,
            request=request,
            action=AuditAction.API_KEY_CREATED if created else AuditAction.API_KEY_REPLACED,
            resource_type="api_key",
            resource_id=provider,
            details={"provider": provider, "key_last_four": key[-4:]},
        )
    logger.info("Stored the %s API key of user %s (…%s)", provider, user.pk, key[-4:])
    return row, created


def api_key_delete(*, user: User, provider: str, request=None) -> None:
    """Delete the user's key for a provider (NotFound when there is none)."""
    with transaction.atomic(using=AUTH_DB):
        deleted, _ = ApiKey.objects.filter(user=user, provider=provider).delete()
        if not deleted:
            raise NotFound(f"No API key is stored for provider {provider!r}.")
        audit_log(
            user=user,
            request=request,
            action=AuditAction.API_KEY_DELETED,
            resource_type="api_key",
            resource_id=provider,
            details={"provider": provider},
        )


def api_key_mark_used(*, api_key_id: uuid.UUID) -> None:
    """Record that a key was just used for a provider call."""
    ApiKey.objects.filter(pk=api_key_id).update(last_used_at=timezone.now())


@dataclass
class RotationReport:
    total: int = 0
    rotated: int = 0
    already_current: int = 0
    failed: list[str] = field(default_factory=list)  # ids of rows no configured key reads


def api_keys_rotate(
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> RotationReport:
    """Re-encrypt every stored key under the newest configured key, in batches.

    Rows already readable by the newest key alone are left untouched, so running it twice
    writes nothing the second time. Rows no key can read are reported, never changed.
    """
    if batch_size < 1:
        raise ValidationFailed("batch_size must be at least 1.")
    if not crypto.configured_keys():
        raise ValidationFailed(
            "API_KEY_ENCRYPTION_KEYS is empty: configure the new key first "
            "(newest first) so there is a key to rotate to.",
            code="no_encryption_key",
        )
    report = RotationReport()
    last_id = None
    while True:
        with transaction.atomic(using=AUTH_DB):
            rows = ApiKey.objects.select_for_update().order_by("id").only("id", "api_key_encrypted")
            if last_id is not None:
                rows = rows.filter(id__gt=last_id)
            batch = list(rows[:batch_size])
            for row in batch:
                report.total += 1
                if crypto.is_under_newest_key(row.api_key_encrypted):
                    report.already_current += 1
                    continue
                try:
                    token = crypto.rotate(row.api_key_encrypted)
                except crypto.DecryptionFailed:
                    report.failed.append(str(row.id))
                    continue
                report.rotated += 1
                if not dry_run:
                    # update() leaves updated_at alone: the key itself did not change.
                    ApiKey.objects.filter(pk=row.pk).update(api_key_encrypted=token)
        if on_batch is not None and batch:
            on_batch(len(batch))
        if len(batch) < batch_size:
            return report
        last_id = batch[-1].id

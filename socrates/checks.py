"""System checks of the project's own settings (ids socrates.*), run by `manage.py check`.

The secrets checks are deploy checks: `manage.py check --deploy` reports them. Start-up itself
already refuses a missing SECRET_KEY or API_KEY_ENCRYPTION_KEYS when DEBUG is off.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secrets(app_configs=None, **kwargs):
    warnings = []
    if getattr(settings, "SECRET_KEY_IS_LOCAL", False):
        warnings.append(
            Warning(
                "SECRET_KEY is the checkout's local key (SOCRATES_DATA_DIR/secret-key), not one "
                "set in the environment.",
                hint="Set SECRET_KEY in the deployment's environment (and keep DEBUG off).",
                id="socrates.W001",
            )
        )
    if not settings.API_KEY_ENCRYPTION_KEYS:
        warnings.append(
            Warning(
                "API_KEY_ENCRYPTION_KEYS is not set: users' LLM API keys are encrypted with a key "
                "derived from SECRET_KEY, and fall with it.",
                hint="Set API_KEY_ENCRYPTION_KEYS to one or more Fernet keys, newest first.",
                id="socrates.W002",
            )
        )
    return warnings


@register(Tags.database)
def check_phase(app_configs=None, databases=None, **kwargs):
    """Warn (socrates.W010) when the databases are below the phase the code is written for:
    the app still serves, and answers the later phases' endpoints `phase_not_enabled`."""
    if not databases:
        return []
    from socrates import phases

    try:
        current = phases.effective_phase()
    except Exception:  # noqa: BLE001 - an unreachable database is another check's to report
        return []
    if current >= phases.LATEST_PHASE:
        return []
    return [
        Warning(
            f"The databases are at phase {current}; this code goes up to phase "
            f"{phases.LATEST_PHASE}. Endpoints, admin pages and commands of phases "
            f"{current + 1}-{phases.LATEST_PHASE} answer phase_not_enabled.",
            hint=f"manage.py phase --to {phases.LATEST_PHASE} (or manage.py migrate).",
            id="socrates.W010",
        )
    ]

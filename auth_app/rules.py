"""User rules: the schema of known keys, its validation, and the rules service.

A user's rules document applies to all of their projects (the engine checks every
specification of a project against its owner's rules). Known keys:

- ``prefer_<technology>``: bool. A technology id of the engine's vocabulary (prefer_postgresql).
  Choosing another member of the same exclusive group raises a medium conflict.
- ``no_<subject>``: bool. A technology id, a technology tag (no_nosql) or a named pattern
  (no_microservices). A specification choosing it raises a high conflict.
- ``require_<document>``: bool. One of REQUIRED_DOCUMENTS (require_adr, require_api_docs...).
- ``min_test_coverage``: number 0..100. A lower testing.min_coverage raises a medium conflict.
- ``communication_style``: technical / business / balanced.
- ``detail_level``: brief / balanced / detailed (the wording of questions follows it).
- ``ci_cd_mandatory``: bool.

Anything else is rejected with a 400 that names the unknown keys.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from auth_app.audit import AuditAction
from auth_app.models import UserRules
from socrates import phases
from socrates.db import AUTH_DB
from socrates.errors import ValidationFailed

REQUIRED_DOCUMENTS = (
    "readme",
    "adr",
    "api_docs",
    "architecture_docs",
    "changelog",
    "code_review",
    "license",
    "runbook",
    "security_review",
    "tests",
    "type_hints",
)


@dataclass(frozen=True)
class Field:
    kind: str  # "bool" / "number" / "choice"
    help: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


FIXED_KEYS = {
    "min_test_coverage": Field("number", "minimum test coverage in percent", low=0, high=100),
    "communication_style": Field(
        "choice", "how questions are phrased", choices=("technical", "business", "balanced")
    ),
    "detail_level": Field(
        "choice", "how long questions are", choices=("brief", "balanced", "detailed")
    ),
    "ci_cd_mandatory": Field("bool", "continuous integration and delivery are required"),
}
PREFIX_HELP = {
    "prefer_": "prefer_<technology>",
    "no_": "no_<technology | tag | pattern>",
    "require_": "require_<document>",
}


# The technologies, tags and patterns that prefer_/no_ keys may name are the engine's vocabulary
# (specs_app, a layer above); specs_app registers it in its AppConfig.ready().
_vocabulary_subjects: Callable[[str], set[str]] | None = None


def register_rule_subjects(source: Callable[[str], set[str]]) -> None:
    """Install ``source(prefix) -> subjects`` for the prefer_ and no_ keys."""
    global _vocabulary_subjects
    _vocabulary_subjects = source


def _subjects(prefix: str) -> set[str]:
    """Return the subjects a prefixed key may name."""
    if prefix == "require_":
        return set(REQUIRED_DOCUMENTS)
    return set(_vocabulary_subjects(prefix)) if _vocabulary_subjects else set()


def field_for(key: str) -> Field | None:
    """Return the schema field of a rule key, or None when the key is unknown."""
    if key in FIXED_KEYS:
        return FIXED_KEYS[key]
    for prefix, help_text in PREFIX_HELP.items():
        if key.startswith(prefix) and key[len(prefix) :] in _subjects(prefix):
            return Field("bool", help_text)
    return None


def known_keys() -> dict[str, object]:
    """Describe the schema: fixed keys with their types, and the prefixed families."""
    return {
        "fixed": {
            key: {
                "type": f.kind,
                "help": f.help,
                **({"choices": list(f.choices)} if f.choices else {}),
            }
            for key, f in FIXED_KEYS.items()
        },
        "prefixed": {
            help_text: sorted(_subjects(prefix)) for prefix, help_text in PREFIX_HELP.items()
        },
    }


def validate_rules(rules) -> dict:
    """Return the rules document if every key is known and well typed; else ValidationFailed."""
    if not isinstance(rules, dict):
        raise ValidationFailed(
            "rules must be a JSON object.", details={"rules": ["must be a JSON object"]}
        )
    unknown = sorted(key for key in rules if not isinstance(key, str) or field_for(key) is None)
    if unknown:
        raise ValidationFailed(
            f"Unknown rule keys: {', '.join(unknown)}.",
            details={
                "unknown_keys": unknown,
                "known_keys": [*FIXED_KEYS, *PREFIX_HELP.values()],
            },
            code="unknown_rule_keys",
        )
    problems = {}
    for key, value in rules.items():
        problem = _type_problem(field_for(key), value)
        if problem:
            problems[key] = [problem]
    if problems:
        key, (message,) = next(iter(problems.items()))
        raise ValidationFailed(f"{key}: {message}", details=problems)
    return dict(rules)


def _type_problem(field: Field, value) -> str | None:
    if field.kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if field.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        if not field.low <= value <= field.high:
            return f"must be between {field.low:g} and {field.high:g}"
        return None
    if value not in field.choices:
        return f"must be one of {', '.join(field.choices)}"
    return None


# The phase whose schema holds user_rules.
RULES_PHASE = 1


# --- selectors ------------------------------------------------------------------------------


def rules_of(*, user_id) -> dict:
    """Return a user's rules document ({} when they have none, or below phase 1)."""
    if not phases.phase_enabled(RULES_PHASE):
        return {}
    row = UserRules.objects.filter(user_id=user_id).only("rules").first()
    return dict(row.rules) if row is not None else {}


def rules_get(*, user) -> UserRules:
    """Return the user's rules row (unsaved and empty when they have none yet)."""
    return UserRules.objects.filter(user=user).first() or UserRules(user=user, rules={})


# --- services -------------------------------------------------------------------------------


def rules_set(*, user, rules: dict, request=None) -> UserRules:
    """Replace the user's rules document after validating it; record the change in the audit log."""
    from auth_app.services import audit_log

    rules = validate_rules(rules)
    with transaction.atomic(using=AUTH_DB):
        row, _created = UserRules.objects.select_for_update().get_or_create(
            user=user, defaults={"rules": {}}
        )
        before = row.rules or {}
        row.rules = rules
        row.save(update_fields=["rules", "updated_at"])
        audit_log(
            action=AuditAction.RULES_UPDATE,
            user=user,
            request=request,
            resource_type="user_rules",
            resource_id=str(row.pk),
            details={
                "added": sorted(rules.keys() - before.keys()),
                "removed": sorted(before.keys() - rules.keys()),
                "changed": sorted(k for k in rules.keys() & before.keys() if rules[k] != before[k]),
            },
        )
    return row

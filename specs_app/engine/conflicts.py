"""Conflict detection for one specification write, whatever the entry point.

``detect_conflicts(spec)`` compares a specification about to become current with the project's
current specifications and its owner's rules, and returns unsaved Conflict rows:

(a) same (category, key), a different value, from another source: medium;
(b) a member of an exclusive group (data/exclusive_groups.yaml) while another member of the
    group is current under the group's keys: high (reported instead of (a) for the same pair);
(c) a user rule broken (engine.rules_check): no_<x> high, prefer_<x> and min_test_coverage
    medium.

Each conflict lists the specification ids involved, the old one first and the newcomer last.
"""

import re

from auth_app.rules import rules_of
from socrates.db import SPECS_DB
from specs_app.engine.rules_check import rule_violations
from specs_app.engine.vocabulary import get_vocabulary
from specs_app.models import Conflict, ConflictType, Specification


def _same(left: str, right: str) -> bool:
    def norm(value: str) -> str:
        return re.sub(r"\s+", " ", value or "").strip().casefold()

    return norm(left) == norm(right)


def _type_for(category: str) -> str:
    return ConflictType.TECHNOLOGY if category == "tech_stack" else ConflictType.REQUIREMENT


def _label(spec: Specification) -> str:
    return f"{spec.category}.{spec.key} = {spec.value!r}"


def detect_conflicts(
    spec: Specification,
    *,
    previous: Specification | None = None,
    statement: bool = True,
    using: str = SPECS_DB,
) -> list[Conflict]:
    """Return the (unsaved) conflicts writing `spec` as current would create.

    `previous` is the version of the same key that `spec` supersedes, if any. It always counts
    for (a). For (b) it counts only when `spec` is a statement (an answer: it says something new
    about the project) and not an explicit edit of that very version, which replaces it by intent.
    """
    vocabulary = get_vocabulary()
    current = list(
        Specification.objects.using(using)
        .filter(project_id=spec.project_id, is_current=True)
        .exclude(pk=spec.pk)
        .order_by("created_at", "id")
    )
    rivals = list(current)
    if previous is not None and all(other.pk != previous.pk for other in current):
        current.append(previous)
        if statement:
            rivals.append(previous)
    conflicts: list[Conflict] = []
    paired: set = set()
    mention = vocabulary.technology_of_value(spec.value)
    group = (
        vocabulary.group_of(mention.technology.id, (spec.category, spec.key)) if mention else None
    )
    if group is not None:
        for other in rivals:
            if (other.category, other.key) not in group.keys:
                continue
            other_mention = vocabulary.technology_of_value(other.value)
            if other_mention is None or other_mention.technology.id not in group.members:
                continue
            if other_mention.technology.id == mention.technology.id:
                continue
            paired.add(other.pk)
            conflicts.append(
                Conflict(
                    project_id=spec.project_id,
                    conflict_type=ConflictType.TECHNOLOGY,
                    severity=Conflict.Severity.HIGH,
                    spec_ids=[other.pk, spec.pk],
                    description=(
                        f"One {group.label} only: {other_mention.technology.name} is current "
                        f"({_label(other)}), and {mention.technology.name} would be a second "
                        f"({_label(spec)})."
                    ),
                )
            )
    for other in current:
        if (other.category, other.key) != (spec.category, spec.key) or other.pk in paired:
            continue
        if _same(other.value, spec.value) or other.source == spec.source:
            continue
        conflicts.append(
            Conflict(
                project_id=spec.project_id,
                conflict_type=_type_for(spec.category),
                severity=Conflict.Severity.MEDIUM,
                spec_ids=[other.pk, spec.pk],
                description=(
                    f"{spec.category}.{spec.key} is {other.value!r} (from {other.source}); "
                    f"the new value {spec.value!r} comes from {spec.source}."
                ),
            )
        )
    owner_rules = rules_of(user_id=spec.project.owner_id) if spec.project_id else {}
    for violation in rule_violations(
        category=spec.category,
        key=spec.key,
        value=spec.value,
        rules=owner_rules,
        metadata=spec.metadata,
        vocabulary=vocabulary,
    ):
        conflicts.append(
            Conflict(
                project_id=spec.project_id,
                conflict_type=_type_for(spec.category),
                severity=violation.severity,
                spec_ids=[spec.pk],
                description=f"Rule {violation.rule}: {violation.description}",
            )
        )
    return conflicts

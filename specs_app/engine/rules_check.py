"""Check one specification against its project owner's rules (auth_app.rules), purely."""

from dataclasses import dataclass

from specs_app.engine.vocabulary import TechMention, Vocabulary, get_vocabulary

TEST_COVERAGE_KEY = ("testing", "min_coverage")


@dataclass(frozen=True)
class RuleViolation:
    rule: str
    severity: str
    description: str


def rule_violations(
    *,
    category: str,
    key: str,
    value: str,
    rules: dict,
    metadata: dict | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[RuleViolation]:
    """Return the rules a specification breaks.

    no_<x>: the value chooses technology x, a technology tagged x, or the pattern x (high).
    prefer_<x>: the value chooses another member of an exclusive group of x, under that
    group's keys (medium). min_test_coverage: testing.min_coverage below the minimum (medium).
    """
    vocabulary = vocabulary or get_vocabulary()
    mention: TechMention | None = vocabulary.technology_of_value(value)
    chosen = mention.technology.id if mention else None
    found = []
    for rule, setting in sorted(rules.items()):
        if setting is not True and rule != "min_test_coverage":
            continue
        if rule.startswith("no_"):
            subject = rule[3:]
            if chosen and chosen in vocabulary.names_for(subject):
                found.append(
                    RuleViolation(
                        rule,
                        "high",
                        f"{category}.{key} = {value!r} chooses {mention.technology.name}, "
                        f"which the rule {rule} forbids.",
                    )
                )
            elif subject in vocabulary.patterns and vocabulary.pattern_found(subject, value):
                found.append(
                    RuleViolation(
                        rule,
                        "high",
                        f"{category}.{key} = {value!r} adopts {subject.replace('_', ' ')}, "
                        f"which the rule {rule} forbids.",
                    )
                )
        elif rule.startswith("prefer_") and chosen:
            preferred = rule[7:]
            group = vocabulary.group_of(chosen, (category, key))
            if group and preferred in group.members and preferred != chosen:
                name = vocabulary.technologies[preferred].name
                found.append(
                    RuleViolation(
                        rule,
                        "medium",
                        f"{category}.{key} = {value!r} chooses {mention.technology.name} as "
                        f"the {group.label}, but the rule {rule} prefers {name}.",
                    )
                )
        elif rule == "min_test_coverage" and (category, key) == TEST_COVERAGE_KEY:
            percent = _percent(value, metadata)
            if percent is not None and percent < float(setting):
                found.append(
                    RuleViolation(
                        rule,
                        "medium",
                        f"{category}.{key} = {value!r} is below the rule "
                        f"min_test_coverage = {setting:g}%.",
                    )
                )
    return found


def _percent(value: str, metadata: dict | None) -> float | None:
    if metadata and metadata.get("unit") == "%":
        return float(metadata["quantity"])
    quantities = get_vocabulary().find_quantities(value or "")
    percent = next((q for q in quantities if q.kind == "percent"), None)
    return percent.number if percent else None

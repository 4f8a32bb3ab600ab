"""The compatibility matrix (data/compatibility.yaml) and its evaluation, as pure functions."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ImproperlyConfigured

from specs_app.engine._data import load
from specs_app.engine.vocabulary import get_vocabulary

SPECIFIER = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)*)\s*$")


def parse_version(text: str | None) -> tuple[int, ...] | None:
    if not text or not re.fullmatch(r"\d+(?:\.\d+)*", text):
        return None
    return tuple(int(part) for part in text.split("."))


def _compare(left: tuple[int, ...], right: tuple[int, ...]) -> int:
    width = max(len(left), len(right))
    left, right = left + (0,) * (width - len(left)), right + (0,) * (width - len(right))
    return (left > right) - (left < right)


OPERATORS = {
    ">=": lambda c: c >= 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    "<": lambda c: c < 0,
    "==": lambda c: c == 0,
    "!=": lambda c: c != 0,
}


@dataclass(frozen=True)
class VersionRange:
    text: str
    clauses: tuple[tuple[str, tuple[int, ...]], ...]

    def contains(self, version: tuple[int, ...]) -> bool:
        return all(OPERATORS[op](_compare(version, bound)) for op, bound in self.clauses)


def parse_range(text: str, *, where: str) -> VersionRange:
    clauses = []
    for part in text.split(","):
        match = SPECIFIER.match(part)
        if not match:
            raise ImproperlyConfigured(f"{where}: {part!r} is not a version specifier")
        clauses.append((match[1], parse_version(match[2])))
    return VersionRange(text, tuple(clauses))


@dataclass(frozen=True)
class Rule:
    id: str
    when: str
    when_versions: VersionRange | None
    kind: str  # "requires" / "requires_present" / "excludes"
    others: tuple[str, ...]
    versions: VersionRange | None
    message: str
    fix: str


@dataclass(frozen=True)
class StackItem:
    technology: str
    version: str | None
    spec_id: str
    key: str
    value: str


@dataclass(frozen=True)
class Report:
    incompatibilities: list[dict]
    unverified: list[dict]
    rules_checked: list[str]

    @property
    def passed(self) -> bool:
        return not self.incompatibilities


def parse_matrix(document: dict) -> tuple[Rule, ...]:
    known = get_vocabulary().technologies
    rules = []
    for item in document.get("rules") or []:
        where = f"compatibility.yaml {item.get('id')}"
        when = item["when"]
        if "requires" in item:
            other = item["requires"]
            kind = "requires_present" if other.get("present") else "requires"
        elif "excludes" in item:
            other, kind = item["excludes"], "excludes"
        else:
            raise ImproperlyConfigured(f"{where}: needs requires or excludes")
        others = other["technology"]
        others = tuple(others) if isinstance(others, list) else (others,)
        unknown = {when["technology"], *others} - known.keys()
        if unknown:
            raise ImproperlyConfigured(f"{where}: unknown technologies {sorted(unknown)}")
        rules.append(
            Rule(
                id=item["id"],
                when=when["technology"],
                when_versions=parse_range(when["versions"], where=where)
                if when.get("versions")
                else None,
                kind=kind,
                others=others,
                versions=parse_range(other["versions"], where=where)
                if other.get("versions")
                else None,
                message=item["message"],
                fix=item["fix"],
            )
        )
    return tuple(rules)


@cache
def get_matrix() -> tuple[Rule, ...]:
    return parse_matrix(load("compatibility"))


def stack_of(specs: Iterable) -> dict[str, StackItem]:
    """Return {technology id: StackItem} for specifications (objects with id, category, key,
    value) whose value names a technology; the first specification naming one wins."""
    vocabulary = get_vocabulary()
    stack: dict[str, StackItem] = {}
    for spec in specs:
        mention = vocabulary.technology_of_value(spec.value)
        if mention is None or mention.technology.id in stack:
            continue
        stack[mention.technology.id] = StackItem(
            technology=mention.technology.id,
            version=mention.version,
            spec_id=str(spec.id),
            key=f"{spec.category}.{spec.key}",
            value=spec.value,
        )
    return stack


def evaluate(stack: dict[str, StackItem], rules: Iterable[Rule] | None = None) -> Report:
    """Check a stack against the matrix; every incompatibility names the specifications involved."""
    incompatibilities, unverified, checked = [], [], []
    for rule in get_matrix() if rules is None else rules:
        subject = stack.get(rule.when)
        if subject is None:
            continue
        if rule.when_versions is not None:
            version = parse_version(subject.version)
            if version is None:
                unverified.append(
                    _note(rule, subject, None, f"{subject.technology} version unknown")
                )
                continue
            if not rule.when_versions.contains(version):
                continue
        checked.append(rule.id)
        if rule.kind == "requires_present":
            if not any(t in stack for t in rule.others):
                incompatibilities.append(_problem(rule, subject, None, "missing"))
            continue
        for other_id in rule.others:
            other = stack.get(other_id)
            if other is None:
                continue
            if rule.kind == "excludes":
                incompatibilities.append(_problem(rule, subject, other, "excluded"))
                continue
            version = parse_version(other.version)
            if version is None:
                unverified.append(_note(rule, subject, other, f"{other_id} version unknown"))
            elif not rule.versions.contains(version):
                incompatibilities.append(_problem(rule, subject, other, "version"))
    return Report(incompatibilities, unverified, checked)


def _problem(rule: Rule, subject: StackItem, other: StackItem | None, reason: str) -> dict:
    items = [subject] + ([other] if other is not None else [])
    return {
        "rule": rule.id,
        "reason": reason,
        "message": rule.message,
        "fix": rule.fix,
        "required": rule.versions.text if rule.versions and reason == "version" else None,
        "spec_ids": [item.spec_id for item in items],
        "specifications": [{"id": i.spec_id, "key": i.key, "value": i.value} for i in items],
    }


def _note(rule: Rule, subject: StackItem, other: StackItem | None, reason: str) -> dict:
    items = [subject] + ([other] if other is not None else [])
    return {"rule": rule.id, "reason": reason, "spec_ids": [i.spec_id for i in items]}

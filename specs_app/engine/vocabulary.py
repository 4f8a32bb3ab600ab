"""The offline vocabulary: technologies with versions, quantities, rule patterns, exclusive groups.

Everything here is data-driven (data/vocabulary.yaml, data/exclusive_groups.yaml) and pure: it
finds mentions in text and never touches the database.
"""

import re
from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import ImproperlyConfigured

from specs_app.engine._data import load, split_key

CLAUSE_BREAK = re.compile(r"[.;:!?\n](?!\d)")
# Quantities read their words within a comma-separated part ("500 GB of data, 2 GB of memory").
PART_BREAK = re.compile(r"[.;:!?,\n](?!\d)")
WORD = re.compile(r"[a-z0-9][a-z0-9'’]*")
NEGATION_WINDOW_WORDS = 3
# A value as the extractor writes it: "<technology id>" or "<technology id> <version>".
CANONICAL_VALUE = re.compile(r"(?P<id>[a-z0-9_]+)(?: (?P<version>\d+(?:\.\d+)*))?")


@dataclass(frozen=True)
class Technology:
    id: str
    name: str
    category: str
    key: str
    tags: tuple[str, ...] = ()

    @property
    def qualified_key(self) -> str:
        return f"{self.category}.{self.key}"


@dataclass(frozen=True)
class TechMention:
    technology: Technology
    version: str | None
    start: int
    end: int
    negated: bool = False

    @property
    def value(self) -> str:
        """Return the specification value: "<id>" or "<id> <version>"."""
        return f"{self.technology.id} {self.version}" if self.version else self.technology.id


@dataclass(frozen=True)
class QuantityMention:
    number: float
    unit: str
    kind: str
    base_value: float
    start: int
    end: int
    key: tuple[str, str] | None = None
    comparator: str | None = None

    @property
    def value(self) -> str:
        number = f"{self.number:g}" if self.number < 1e15 else str(self.number)
        if self.unit == "%":
            return f"{number}%"
        unit = self.unit
        if self.number == 1 and unit.endswith("s") and unit not in ("ms", "rps", "users"):
            unit = unit[:-1]
        return f"{number} {unit}"


@dataclass(frozen=True)
class ExclusiveGroup:
    id: str
    label: str
    keys: frozenset[tuple[str, str]]
    members: frozenset[str]


@dataclass(frozen=True)
class QuantityRule:
    category: str
    key: str
    kind: str
    keywords: tuple[str, ...]


@dataclass
class Vocabulary:
    technologies: dict[str, Technology]
    patterns: dict[str, tuple[str, ...]]
    negations: tuple[str, ...]
    groups: tuple[ExclusiveGroup, ...]
    units: dict[str, tuple[str, float]]  # spelling -> (kind, factor)
    quantity_rules: tuple[QuantityRule, ...]
    by_category: dict[str, dict[str, tuple[str, str]]]
    _tech_regex: re.Pattern = field(init=False, repr=False)
    _versioned_regex: re.Pattern = field(init=False, repr=False)
    _exact_regex: re.Pattern = field(init=False, repr=False)
    _quantity_regex: re.Pattern = field(init=False, repr=False)
    _aliases: dict[str, str] = field(init=False, repr=False)

    # --- technologies ----------------------------------------------------------------------

    def find_technologies(self, text: str) -> list[TechMention]:
        """Return every technology mentioned in `text`, in order, flagging rejected ones."""
        found: list[tuple[int, int, str, str | None]] = []
        for regex in (self._tech_regex, self._versioned_regex, self._exact_regex):
            for match in regex.finditer(text):
                alias = match.group("alias")
                tech_id = self._aliases.get(alias.lower()) or self._aliases[alias]
                found.append((match.start(), match.end(), tech_id, match["version"]))
        found.sort()
        mentions: list[TechMention] = []
        previous_end = 0
        for start, end, tech_id, version in found:
            if mentions and start < mentions[-1].end:
                continue  # overlapping spellings ("ruby on rails" and "ruby"): keep the first
            window = text[max(previous_end, _clause_start(text, start)) : start]
            mentions.append(
                TechMention(
                    technology=self.technologies[tech_id],
                    version=version,
                    start=start,
                    end=end,
                    negated=self._is_negated(window),
                )
            )
            previous_end = end
        return mentions

    def technology_of_value(self, value: str) -> TechMention | None:
        """Return the first technology a specification value chooses (not one it rejects).

        The extractor's own form ("react 18": the id and a version) is read first, so ids that
        are only recognised with their case in free text still count in stored values.
        """
        value = value or ""
        canonical = CANONICAL_VALUE.fullmatch(value.strip().lower())
        if canonical and canonical["id"] in self.technologies:
            technology = self.technologies[canonical["id"]]
            return TechMention(technology, canonical["version"], 0, len(value))
        return next((m for m in self.find_technologies(value) if not m.negated), None)

    def names_for(self, rule_subject: str) -> set[str]:
        """Return the technology ids a rule subject (an id or a tag) stands for."""
        return {
            t.id
            for t in self.technologies.values()
            if rule_subject == t.id or rule_subject in t.tags
        }

    def pattern_found(self, pattern: str, text: str) -> bool:
        """Return whether `text` adopts a pattern ("microservices"), not merely rejects it."""
        text = text or ""
        phrases = self.patterns.get(pattern) or (pattern.replace("_", " "),)
        for phrase in phrases:
            for match in _phrase_regex(phrase).finditer(text):
                if not self._is_negated(text[_clause_start(text, match.start()) : match.start()]):
                    return True
        return False

    def group_of(self, technology_id: str, qualified_key: tuple[str, str]) -> ExclusiveGroup | None:
        return next(
            (g for g in self.groups if technology_id in g.members and qualified_key in g.keys),
            None,
        )

    def groups_with(self, technology_id: str) -> list[ExclusiveGroup]:
        return [g for g in self.groups if technology_id in g.members]

    def _is_negated(self, window: str) -> bool:
        words = WORD.findall(window.lower().replace("’", "'"))[-NEGATION_WINDOW_WORDS:]
        if any(w.endswith("n't") for w in words):
            return True
        joined = f" {' '.join(words)} "
        return any(f" {phrase} " in joined for phrase in self.negations)

    # --- quantities ------------------------------------------------------------------------

    def find_quantities(
        self, text: str, *, category: str | None = None, skip: list[tuple[int, int]] = ()
    ) -> list[QuantityMention]:
        """Return the quantities in `text` with the specification key each one fills.

        `skip` lists spans already taken (technology versions), so "Python 3.12" is no number.
        """
        raw = [
            m
            for m in self._quantity_regex.finditer(text)
            if not any(s <= m.start() < e for s, e in skip)
        ]
        mentions = []
        for index, match in enumerate(raw):
            clause_start = _clause_start(text, match.start(), PART_BREAK)
            before_start = max(clause_start, raw[index - 1].end() if index else 0)
            clause_end = _clause_end(text, match.end(), PART_BREAK)
            after_end = min(
                clause_end, raw[index + 1].start() if index + 1 < len(raw) else len(text)
            )
            before = text[before_start : match.start()].lower()
            after = text[match.end() : after_end].lower()
            number_text = match.group("number").replace(",", "")
            number = float(number_text) * (1000 if match.group("thousands") else 1)
            kind, factor = self.units[_normalise_unit(match.group("unit"))]
            mentions.append(
                QuantityMention(
                    number=number,
                    unit=_canonical_unit(kind, factor, match.group("unit")),
                    kind=kind,
                    base_value=number * factor,
                    start=match.start(),
                    end=match.end(),
                    key=self._quantity_key(kind, before, after, category),
                    comparator=_comparator(before),
                )
            )
        return mentions

    def _quantity_key(self, kind, before, after, category) -> tuple[str, str] | None:
        for window in (before, after):
            for rule in self.quantity_rules:
                if rule.kind != kind:
                    continue
                if any(_phrase_regex(k).search(window) for k in rule.keywords):
                    return (rule.category, rule.key)
        keyword_free = [r for r in self.quantity_rules if r.kind == kind and not r.keywords]
        if keyword_free:
            return (keyword_free[0].category, keyword_free[0].key)
        return self.by_category.get(category or "", {}).get(kind)


COMPARATORS = {
    "max": ("under", "below", "less than", "at most", "within", "max", "maximum", "up to", "<"),
    "min": ("over", "above", "more than", "at least", "min", "minimum", ">"),
}
CANONICAL_TIME = {
    0.001: "ms",
    1: "seconds",
    60: "minutes",
    3600: "hours",
    86400: "days",
    604800: "weeks",
    2592000: "months",
    31536000: "years",
}


def _clause_start(text: str, position: int, breaks: re.Pattern = CLAUSE_BREAK) -> int:
    starts = [m.end() for m in breaks.finditer(text, 0, position)]
    return starts[-1] if starts else 0


def _clause_end(text: str, position: int, breaks: re.Pattern = CLAUSE_BREAK) -> int:
    match = breaks.search(text, position)
    return match.start() if match else len(text)


def _normalise_unit(unit: str) -> str:
    return re.sub(r"\s+", " ", unit.lower())


def _canonical_unit(kind: str, factor: float, spelling: str) -> str:
    if kind == "percent":
        return "%"
    if kind == "time":
        return CANONICAL_TIME.get(factor, _normalise_unit(spelling))
    if kind == "size":
        unit = _normalise_unit(spelling)
        return unit[0].upper() + unit[1:].replace("b", "B") if "i" in unit else unit.upper()
    if kind == "rate":
        return "rps"
    return _normalise_unit(spelling)


def _comparator(before: str) -> str | None:
    tail = " ".join(WORD.findall(before)[-2:]) + (" <" if before.rstrip().endswith("<") else "")
    tail += " >" if before.rstrip().endswith(">") else ""
    for name, phrases in COMPARATORS.items():
        if any(_phrase_regex(p).search(tail) for p in phrases):
            return name
    return None


@cache
def _phrase_regex(phrase: str) -> re.Pattern:
    """Match a phrase case-insensitively on word boundaries (punctuation allowed inside)."""
    escaped = re.escape(phrase.lower()).replace(r"\ ", r"\s+")
    return re.compile(rf"(?<![\w]){escaped}(?![\w])", re.IGNORECASE)


def _alternation(spellings) -> str:
    # Longest first, so "ruby on rails" beats "ruby" and "postgresql" beats "postgres".
    return "|".join(re.escape(s) for s in sorted(spellings, key=lambda s: (-len(s), s)))


def parse_vocabulary(document: dict, groups_document: dict) -> Vocabulary:
    """Build the vocabulary from its documents, refusing anything malformed."""
    where = "vocabulary.yaml"
    technologies: dict[str, Technology] = {}
    aliases: dict[str, str] = {}
    versioned_aliases: dict[str, str] = {}
    exact_aliases: dict[str, str] = {}
    for tech_id, spec in (document.get("technologies") or {}).items():
        category, key = split_key(spec.get("key", ""), where=f"{where} {tech_id}")
        technologies[tech_id] = Technology(
            tech_id, spec.get("name", tech_id), category, key, tuple(spec.get("tags") or ())
        )
        for target, names in (
            (aliases, spec.get("aliases") or []),
            (versioned_aliases, spec.get("version_only_aliases") or []),
            (exact_aliases, spec.get("exact_aliases") or []),
        ):
            for alias in names:
                alias = str(alias) if target is exact_aliases else str(alias).lower()
                if alias.lower() in aliases or alias.lower() in versioned_aliases:
                    raise ImproperlyConfigured(f"{where}: alias {alias!r} used twice")
                target[alias] = tech_id
    units: dict[str, tuple[str, float]] = {}
    quantities = document.get("quantities") or {}
    for kind, spellings in (quantities.get("units") or {}).items():
        for spelling, factor in spellings.items():
            units[_normalise_unit(spelling)] = (kind, float(factor))
    rules = []
    for rule in quantities.get("rules") or []:
        category, key = split_key(rule["key"], where=f"{where} quantities")
        if rule["kind"] not in {kind for kind, _ in units.values()}:
            raise ImproperlyConfigured(f"{where}: quantity rule of unknown kind {rule['kind']!r}")
        rules.append(QuantityRule(category, key, rule["kind"], tuple(rule.get("keywords") or ())))
    by_category = {
        category: {kind: split_key(k, where=f"{where} by_category") for kind, k in kinds.items()}
        for category, kinds in (quantities.get("by_category") or {}).items()
    }
    groups = []
    for group in groups_document.get("groups") or []:
        unknown = set(group["members"]) - technologies.keys()
        if unknown:
            raise ImproperlyConfigured(
                f"exclusive_groups.yaml: {group['id']} names unknown technologies {sorted(unknown)}"
            )
        groups.append(
            ExclusiveGroup(
                id=group["id"],
                label=group.get("label", group["id"]),
                keys=frozenset(split_key(k, where="exclusive_groups.yaml") for k in group["keys"]),
                members=frozenset(group["members"]),
            )
        )
    vocabulary = Vocabulary(
        technologies=technologies,
        patterns={k: tuple(v) for k, v in (document.get("patterns") or {}).items()},
        negations=tuple(str(n).lower() for n in document.get("negations") or ()),
        groups=tuple(groups),
        units=units,
        quantity_rules=tuple(rules),
        by_category=by_category,
    )
    unit_alternation = _alternation(units)
    version = r"(?P<version>\d+(?:\.\d+){0,3})"
    # A version is never followed by a unit ("Postgres 500 GB" is a size, not version 500).
    not_a_quantity = rf"(?!\s*(?:{unit_alternation})(?![\w]))(?![\w#+%]|\.\d)"
    vocabulary._aliases = {**exact_aliases, **aliases, **versioned_aliases}
    optional_version = rf"(?:[ \t]*(?:v|version[ \t]+)?{version}{not_a_quantity})?(?![\w#+])"
    vocabulary._tech_regex = re.compile(
        rf"(?<![\w.#+-])(?P<alias>{_alternation(aliases)}){optional_version}", re.IGNORECASE
    )
    vocabulary._exact_regex = re.compile(
        rf"(?<![\w.#+-])(?P<alias>{_alternation(exact_aliases) or '(?!)'}){optional_version}"
    )
    vocabulary._versioned_regex = re.compile(
        rf"(?<![\w.#+-])(?P<alias>{_alternation(versioned_aliases)})"
        rf"[ \t]*(?:v|version[ \t]+)?{version}{not_a_quantity}",
        re.IGNORECASE,
    )
    vocabulary._quantity_regex = re.compile(
        r"(?<![\w.])(?P<number>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?P<thousands>k)?"
        rf"\s*(?P<unit>{unit_alternation})(?![\w])",
        re.IGNORECASE,
    )
    return vocabulary


@cache
def get_vocabulary() -> Vocabulary:
    """Return the vocabulary shipped with the app."""
    return parse_vocabulary(load("vocabulary"), load("exclusive_groups"))


def rule_subjects(prefix: str) -> set[str]:
    """Return what a user rule key may name after ``prefix`` (auth_app.rules asks this)."""
    vocabulary = get_vocabulary()
    technologies = set(vocabulary.technologies)
    if prefix == "prefer_":
        return technologies
    if prefix == "no_":
        tags = {tag for t in vocabulary.technologies.values() for tag in t.tags}
        return technologies | tags | set(vocabulary.patterns)
    return set()

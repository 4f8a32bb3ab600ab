"""Quality control, as pure functions: question bias, coverage, maturity and readiness.

engine.services stores each result in quality_metrics with its threshold and verdict.

- bias: see data/bias_phrases.yaml; a question scoring over 0.5 is blocked.
- coverage of a category = min(current specifications / target, 1); the project's coverage is
  the mean over the required categories; a required category with no current specification is
  a gap; coverage is sufficient at >= 0.7 with at most 2 gaps.
- maturity = 100 * sum over categories of min(sum of current confidences, target) / total target.
- readiness = (coverage + average confidence of current specifications + maturity / 100) / 3;
  ready at >= 0.7 with no open critical or high conflict.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from specs_app.engine._data import load
from specs_app.engine.bank import QuestionBank, get_bank
from specs_app.engine.vocabulary import _phrase_regex, get_vocabulary

COVERAGE_THRESHOLD = 0.7
COVERAGE_MAX_GAPS = 2
MATURITY_GATE = 60.0
READINESS_THRESHOLD = 0.7
BLOCKING_SEVERITIES = ("critical", "high")
WORD = re.compile(r"[\w'’-]+")


# --- bias ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BiasGroup:
    name: str
    weight: float
    phrases: tuple[str, ...]
    count_technologies: bool


@dataclass(frozen=True)
class BiasResult:
    score: float
    words: int
    matches: dict[str, list[str]]
    threshold: float

    @property
    def blocked(self) -> bool:
        return self.score > self.threshold

    @property
    def quality_score(self) -> float:
        """Return the question's quality in [0, 1]: the complement of its bias."""
        return round(1 - self.score, 4)


@cache
def _bias_config() -> tuple[float, int, tuple[BiasGroup, ...]]:
    document = load("bias_phrases")
    groups = tuple(
        BiasGroup(
            name=name,
            weight=float(spec["weight"]),
            phrases=tuple(str(p).lower() for p in spec.get("phrases") or ()),
            count_technologies=bool(spec.get("count_vocabulary_technologies")),
        )
        for name, spec in document["groups"].items()
    )
    return float(document["threshold"]), int(document["reference_words"]), groups


def question_bias(text: str) -> BiasResult:
    """Score a question's bias: weighted phrase matches, normalised by the question's length."""
    threshold, reference_words, groups = _bias_config()
    text = text or ""
    words = len(WORD.findall(text))
    matches: dict[str, list[str]] = {}
    raw = 0.0
    for group in groups:
        found = []
        for phrase in group.phrases:
            found.extend([phrase] * len(_phrase_regex(phrase).findall(text)))
        if group.count_technologies:
            found.extend(m.technology.id for m in get_vocabulary().find_technologies(text))
        if found:
            matches[group.name] = found
            raw += group.weight * len(found)
    score = min(1.0, raw * reference_words / max(reference_words, words))
    return BiasResult(round(score, 4), words, matches, threshold)


# --- coverage, maturity, readiness -----------------------------------------------------------


@dataclass(frozen=True)
class CategoryState:
    category: str
    target: int
    required: bool
    count: int
    confidence_sum: float

    @property
    def coverage(self) -> float:
        return min(self.count / self.target, 1.0)

    @property
    def maturity_points(self) -> float:
        return min(self.confidence_sum, float(self.target))

    def as_dict(self) -> dict:
        return {
            "category": self.category,
            "required": self.required,
            "count": self.count,
            "target": self.target,
            "coverage": round(self.coverage, 4),
            "confidence_sum": round(self.confidence_sum, 4),
        }


def category_states(
    current: Iterable[tuple[str, float]], bank: QuestionBank | None = None
) -> dict[str, CategoryState]:
    """Summarise current specifications, given as (category, confidence), per bank category.

    Categories outside the bank have no target and count for nothing.
    """
    bank = bank or get_bank()
    counts = dict.fromkeys(bank.categories, 0)
    sums = dict.fromkeys(bank.categories, 0.0)
    for category, confidence in current:
        if category in counts:
            counts[category] += 1
            sums[category] += float(confidence)
    return {
        name: CategoryState(name, c.target, c.required, counts[name], sums[name])
        for name, c in bank.categories.items()
    }


@dataclass(frozen=True)
class CoverageResult:
    value: float
    gaps: list[str]
    categories: list[CategoryState]
    threshold: float = COVERAGE_THRESHOLD
    max_gaps: int = COVERAGE_MAX_GAPS

    @property
    def sufficient(self) -> bool:
        return self.value >= self.threshold and len(self.gaps) <= self.max_gaps


def coverage(states: dict[str, CategoryState]) -> CoverageResult:
    required = [s for s in states.values() if s.required]
    value = sum(s.coverage for s in required) / len(required) if required else 0.0
    gaps = [s.category for s in required if s.count == 0]
    return CoverageResult(round(value, 4), gaps, required)


@dataclass(frozen=True)
class MaturityResult:
    score: float
    categories: list[CategoryState]
    total_target: int


def maturity(states: dict[str, CategoryState]) -> MaturityResult:
    total = sum(s.target for s in states.values())
    points = sum(s.maturity_points for s in states.values())
    score = 100 * points / total if total else 0.0
    return MaturityResult(round(score, 2), list(states.values()), total)


@dataclass(frozen=True)
class ReadinessResult:
    score: float
    coverage: float
    average_confidence: float
    maturity: float
    blocking_conflicts: list[dict]
    missing: list[dict] = field(default_factory=list)
    threshold: float = READINESS_THRESHOLD

    @property
    def ready(self) -> bool:
        return self.score >= self.threshold and not self.blocking_conflicts


def readiness(
    *,
    states: dict[str, CategoryState],
    average_confidence: float,
    open_conflicts: Iterable[dict],
) -> ReadinessResult:
    """Combine coverage, confidence and maturity; list what keeps the project from ready.

    `open_conflicts` are dicts with id, severity and description.
    """
    cover = coverage(states)
    mature = maturity(states)
    score = (cover.value + average_confidence + mature.score / 100) / 3
    blocking = [c for c in open_conflicts if c["severity"] in BLOCKING_SEVERITIES]
    missing = [
        {
            "kind": "category",
            "category": s.category,
            "required": s.required,
            "have": s.count,
            "target": s.target,
            "missing": s.target - s.count,
        }
        for s in states.values()
        if s.count < s.target
    ]
    missing += [{"kind": "conflict", **c} for c in blocking]
    return ReadinessResult(
        score=round(score, 4),
        coverage=cover.value,
        average_confidence=round(average_confidence, 4),
        maturity=mature.score,
        blocking_conflicts=blocking,
        missing=missing,
    )

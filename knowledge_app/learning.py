"""Phase 5 learning: how well each question template works for a user, and how the user answers.

Services (writes) and selectors (reads) live together here because they share one small set of
definitions. Every number is defined below and pinned by tests/learning.

Per answer (``record_answer``):

- ``words`` = whitespace-separated tokens of the answer; ``specs`` = specifications extracted.
- quality = 0.5 * min(specs / 3, 1) + 0.5 * min(words / 50, 1), in [0, 1].
- answered well = specs >= 1 and quality > 0.6.
- question_effectiveness of (user, template): times_asked += 1; times_answered_well += 1 when
  answered well; average_answer_length (words) and average_spec_extraction_count are
  exponential moving averages with alpha = 0.3 (avg = 0.3 * x + 0.7 * avg; the first answer
  sets avg = x); effectiveness_score = times_answered_well / times_asked.
- user_behavior_patterns: each answer is one piece of evidence for three patterns
  (``communication_style``, ``detail_level``, ``typical_answer_length``; see
  ``classify_answer``). The first piece sets the value with confidence 0.1; each confirmation
  adds 0.1 (capped at 1.0); a contradiction takes 0.1 away, and when that reaches 0 the new
  value replaces the old one at 0.1. The answer's project joins learned_from_projects.

Use (``ranking_scores``, ``preferred_detail_level``): the engine orders the templates of the
chosen category by the Laplace-smoothed rate (answered_well + 1) / (asked + 2), so an unseen
template scores 0.5 and one bad answer does not bury a template for good; ties keep the bank's
order. The learned detail level (brief / balanced / detailed, the vocabulary of user rules)
picks a template's short or long text once its confidence reaches 0.3 (three consistent
answers); an explicit ``detail_level`` in the user's rules wins over what was learned.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from knowledge_app.models import QuestionEffectiveness, UserBehaviorPattern
from socrates.db import SPECS_DB
from specs_app.engine.learning import DETAIL_LEVELS

EMA_ALPHA = 0.3
QUALITY_SPECS_CAP = 3
QUALITY_WORDS_CAP = 50
WELL_ANSWERED_QUALITY = 0.6

CONFIDENCE_STEP = 0.1
CONFIDENCE_MAX = 1.0
# Confidence from which a learned detail level changes the wording of questions.
VARIANT_MIN_CONFIDENCE = 0.3

COMMUNICATION_STYLE = "communication_style"
DETAIL_LEVEL = "detail_level"
TYPICAL_ANSWER_LENGTH = "typical_answer_length"
PATTERN_TYPES = (COMMUNICATION_STYLE, DETAIL_LEVEL, TYPICAL_ANSWER_LENGTH)

# Answer length buckets, in words.
SHORT_BELOW = 15
LONG_FROM = 60
# An answer is detailed from this many words, or this many specifications.
DETAILED_WORDS = 40
DETAILED_SPECS = 3

TECHNICAL_TERMS = frozenset(
    """
    api apis endpoint endpoints rest graphql grpc database databases sql postgres postgresql
    mysql sqlite mongodb redis cache caching queue kafka rabbitmq schema index indexes orm
    backend frontend server servers serverless docker kubernetes k8s container containers
    microservice microservices monolith latency throughput concurrency thread threads async
    python django flask fastapi java kotlin go golang rust javascript typescript node react vue
    angular framework library libraries sdk aws gcp azure lambda ci cd pipeline deploy
    deployment terraform http https json yaml websocket oauth jwt tls encryption algorithm
    architecture scalability replication sharding load balancer cpu memory ram gpu git
    """.split()
)
BUSINESS_TERMS = frozenset(
    """
    customer customers client clients market markets revenue profit profits sales sell
    pricing price prices budget budgets cost costs roi stakeholder stakeholders business
    businesses growth competitor competitors competition brand branding marketing campaign
    subscription subscriptions conversion retention churn kpi kpis investor investors
    partner partners contract contracts deadline deadlines launch strategy strategic value
    monetization margin margins audience segment segments compliance legal sponsor owner
    """.split()
)
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")

# --- Definitions ----------------------------------------------------------------------------


def word_count(text: str) -> int:
    """Return the number of whitespace-separated words of an answer."""
    return len((text or "").split())


def answer_quality(*, specs_extracted: int, words: int) -> float:
    """Return the answer's quality in [0, 1]: half from specifications, half from length."""
    specs_part = min(max(specs_extracted, 0) / QUALITY_SPECS_CAP, 1.0)
    words_part = min(max(words, 0) / QUALITY_WORDS_CAP, 1.0)
    return 0.5 * specs_part + 0.5 * words_part


def is_answered_well(*, specs_extracted: int, quality: float) -> bool:
    return specs_extracted >= 1 and quality > WELL_ANSWERED_QUALITY


def ema(average: float, value: float, *, first: bool) -> float:
    """Return the exponential moving average after one more value (the first sets it)."""
    if first:
        return float(value)
    return EMA_ALPHA * value + (1 - EMA_ALPHA) * average


def communication_style_of(text: str) -> str | None:
    """Return "technical" or "business" by which vocabulary the answer uses more, else None."""
    words = _WORD.findall((text or "").lower())
    technical = sum(word in TECHNICAL_TERMS for word in words)
    business = sum(word in BUSINESS_TERMS for word in words)
    if technical > business:
        return "technical"
    if business > technical:
        return "business"
    return None


def detail_level_of(*, words: int, specs_extracted: int) -> str:
    if words >= DETAILED_WORDS or specs_extracted >= DETAILED_SPECS:
        return "detailed"
    if words < SHORT_BELOW and specs_extracted <= 1:
        return "brief"
    return "balanced"


def length_bucket_of(words: int) -> str:
    if words < SHORT_BELOW:
        return "short"
    if words >= LONG_FROM:
        return "long"
    return "medium"


def classify_answer(*, answer_text: str, specs_extracted: int) -> dict[str, str | None]:
    """Return the evidence one answer gives for each pattern (None: no evidence)."""
    words = word_count(answer_text)
    return {
        COMMUNICATION_STYLE: communication_style_of(answer_text),
        DETAIL_LEVEL: detail_level_of(words=words, specs_extracted=specs_extracted),
        TYPICAL_ANSWER_LENGTH: length_bucket_of(words),
    }


def ranking_score(*, times_asked: int, times_answered_well: int) -> float:
    """Return the Laplace-smoothed rate of good answers (0.5 for a template never asked)."""
    return (times_answered_well + 1) / (times_asked + 2)


# --- Services -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerLearning:
    """What one answer taught: its measures and the rows it updated."""

    words: int
    quality: float
    answered_well: bool
    effectiveness: QuestionEffectiveness | None
    patterns: dict[str, UserBehaviorPattern]


def _confidence(value: float) -> float:
    # Rounded so repeated +0.1 steps give exactly 0.3, not 0.30000000000000004.
    return round(min(max(value, 0.0), CONFIDENCE_MAX), 2)


def _observe(
    *,
    user_id: uuid.UUID,
    pattern_type: str,
    value: str,
    project_id: uuid.UUID | None,
    extra: Callable[[dict], dict] | None = None,
) -> UserBehaviorPattern:
    """Add one piece of evidence to a pattern (locked row, socrates_specs)."""
    pattern, created = UserBehaviorPattern.objects.select_for_update().get_or_create(
        user_id=user_id,
        pattern_type=pattern_type,
        defaults={"pattern_data": {}, "confidence": 0.0},
    )
    data = dict(pattern.pattern_data or {})
    evidence = dict(data.get("evidence") or {})
    evidence[value] = evidence.get(value, 0) + 1
    current = data.get("value")
    if created or current is None:
        data["value"], pattern.confidence = value, _confidence(CONFIDENCE_STEP)
    elif current == value:
        pattern.confidence = _confidence(pattern.confidence + CONFIDENCE_STEP)
    else:
        lowered = _confidence(pattern.confidence - CONFIDENCE_STEP)
        if lowered <= 0:
            data["value"], pattern.confidence = value, _confidence(CONFIDENCE_STEP)
        else:
            pattern.confidence = lowered
    data["evidence"] = evidence
    data["observations"] = data.get("observations", 0) + 1
    if extra is not None:
        data = extra(data)
    pattern.pattern_data = data
    if project_id is not None and project_id not in pattern.learned_from_projects:
        pattern.learned_from_projects = [*pattern.learned_from_projects, project_id]
    pattern.save()
    return pattern


def record_answer(
    *,
    user_id,
    project_id,
    template_id: str | None,
    role: str = "",
    answer_text: str,
    specs_extracted: int,
) -> AnswerLearning:
    """Learn from one answer: update the template's effectiveness and the user's patterns.

    Without a template id (a free-form question) only the patterns learn.
    """
    user_id = uuid.UUID(str(user_id))
    project_id = uuid.UUID(str(project_id)) if project_id else None
    specs_extracted = max(int(specs_extracted or 0), 0)
    words = word_count(answer_text)
    quality = answer_quality(specs_extracted=specs_extracted, words=words)
    well = is_answered_well(specs_extracted=specs_extracted, quality=quality)
    with transaction.atomic(using=SPECS_DB):
        effectiveness = None
        if template_id:
            effectiveness = _record_effectiveness(
                user_id=user_id,
                template_id=str(template_id),
                role=role or "",
                words=words,
                specs_extracted=specs_extracted,
                answered_well=well,
            )
        patterns = {}
        evidence = classify_answer(answer_text=answer_text, specs_extracted=specs_extracted)
        for pattern_type in PATTERN_TYPES:
            value = evidence[pattern_type]
            if value is None:
                continue
            extra = None
            if pattern_type == TYPICAL_ANSWER_LENGTH:
                extra = _average_words_updater(words)
            patterns[pattern_type] = _observe(
                user_id=user_id,
                pattern_type=pattern_type,
                value=value,
                project_id=project_id,
                extra=extra,
            )
    return AnswerLearning(words, quality, well, effectiveness, patterns)


def _average_words_updater(words: int) -> Callable[[dict], dict]:
    def update(data: dict) -> dict:
        first = "average_words" not in data
        data["average_words"] = ema(data.get("average_words", 0.0), words, first=first)
        return data

    return update


def _record_effectiveness(
    *,
    user_id: uuid.UUID,
    template_id: str,
    role: str,
    words: int,
    specs_extracted: int,
    answered_well: bool,
) -> QuestionEffectiveness:
    row, _ = QuestionEffectiveness.objects.select_for_update().get_or_create(
        user_id=user_id, question_template_id=template_id, defaults={"role": role}
    )
    first = row.times_asked == 0
    row.times_asked += 1
    row.times_answered_well += int(answered_well)
    row.average_answer_length = ema(row.average_answer_length, words, first=first)
    row.average_spec_extraction_count = ema(
        row.average_spec_extraction_count, specs_extracted, first=first
    )
    row.effectiveness_score = row.times_answered_well / row.times_asked
    if role:
        row.role = role
    row.save()
    return row


# --- Selectors ------------------------------------------------------------------------------


def effectiveness_list(*, user_id):
    """Return the user's effectiveness rows: the templates they have been asked."""
    return QuestionEffectiveness.objects.filter(user_id=user_id).order_by(
        "-effectiveness_score", "question_template_id"
    )


def pattern_list(*, user_id):
    return UserBehaviorPattern.objects.filter(user_id=user_id).order_by("pattern_type")


def pattern_value(*, user_id, pattern_type: str, min_confidence: float = 0.0) -> str | None:
    """Return the learned value of one pattern when its confidence is high enough."""
    pattern = UserBehaviorPattern.objects.filter(user_id=user_id, pattern_type=pattern_type).first()
    if pattern is None or pattern.confidence < min_confidence:
        return None
    return (pattern.pattern_data or {}).get("value")


def ranking_scores(*, user_id, template_ids: Iterable[str]) -> dict[str, float]:
    """Return {template_id: ranking score} for the given templates (0.5 when never asked)."""
    template_ids = [str(t) for t in template_ids]
    scores = dict.fromkeys(template_ids, ranking_score(times_asked=0, times_answered_well=0))
    rows = QuestionEffectiveness.objects.filter(
        user_id=user_id, question_template_id__in=template_ids
    ).values_list("question_template_id", "times_asked", "times_answered_well")
    for template_id, asked, well in rows:
        scores[template_id] = ranking_score(times_asked=asked, times_answered_well=well)
    return scores


def preferred_detail_level(*, user_id, rules: dict | None = None) -> str | None:
    """Return the detail level questions should be worded at for this user, or None.

    The values are those of the user's rules (brief / balanced / detailed); the engine's
    ``Template.text_for`` turns brief into the short text, detailed into the long one, and
    anything else into the standard text. An explicit ``detail_level`` in ``rules`` wins;
    otherwise the learned level counts once its confidence reaches VARIANT_MIN_CONFIDENCE.
    """
    explicit = (rules or {}).get(DETAIL_LEVEL)
    if explicit in DETAIL_LEVELS:
        return explicit
    if user_id is None:
        return None
    return pattern_value(
        user_id=user_id, pattern_type=DETAIL_LEVEL, min_confidence=VARIANT_MIN_CONFIDENCE
    )


def learning_summary(*, user_id) -> dict:
    """Return the user's patterns and the effectiveness of every template they were asked."""
    return {
        "patterns": list(pattern_list(user_id=user_id)),
        "question_effectiveness": list(effectiveness_list(user_id=user_id)),
    }

"""Choose the next question: the least covered category, then the best unasked template of it.

Ranking (``rank_templates``) starts from the user's question_effectiveness (through the
learning knowledge_app registers in specs_app.engine.learning: a Laplace-smoothed rate of good
answers, 0.5 for a template never asked), so without data every template ties and the bank
order decides.

Extension point: ``register_ranker(ranker)`` adds a ranker applied to every ranking, after the
effectiveness scores. A ranker is called as ``ranker(user_id=..., templates=[Template, ...],
scores={template_id: score})`` and returns ``{template_id: adjustment}``; adjustments are added
to the scores (missing ids add nothing). Rankers must be deterministic. Ties keep bank order.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from specs_app.engine.bank import QuestionBank, Template, get_bank
from specs_app.engine.learning import learning
from specs_app.engine.quality import CategoryState

Ranker = Callable[..., dict[str, float]]

_RANKERS: list[Ranker] = []


def register_ranker(ranker: Ranker) -> Ranker:
    """Apply `ranker` to every template ranking from now on (idempotent; usable as decorator)."""
    if ranker not in _RANKERS:
        _RANKERS.append(ranker)
    return ranker


def unregister_ranker(ranker: Ranker) -> None:
    if ranker in _RANKERS:
        _RANKERS.remove(ranker)


def rank_templates(
    user_id, templates: Iterable[Template], *, rankers: Iterable[Ranker] | None = None
) -> list[Template]:
    """Return the templates best first for this user.

    `rankers` are applied after the registered ones (see the module docstring).
    """
    templates = sorted(templates, key=lambda t: t.position)
    if not templates:
        return []
    if user_id is None:
        scores = {t.id: 0.0 for t in templates}
    else:
        scores = learning().ranking_scores(user_id=user_id, template_ids=[t.id for t in templates])
    for ranker in [*_RANKERS, *(rankers or ())]:
        adjustments = ranker(user_id=user_id, templates=list(templates), scores=dict(scores))
        for template_id, delta in (adjustments or {}).items():
            if template_id in scores:
                scores[template_id] += float(delta)
    return sorted(templates, key=lambda t: (-scores[t.id], t.position))


@dataclass(frozen=True)
class Choice:
    category: CategoryState
    template: Template


def choose_category(
    states: dict[str, CategoryState],
    asked: set[str],
    bank: QuestionBank | None = None,
    categories: frozenset[str] | None = None,
) -> CategoryState | None:
    """Return the category with the lowest coverage that still has an unasked template.

    Only `categories` are considered when given (a team role's categories). Ties go to the
    category that comes first in the bank.
    """
    bank = bank or get_bank()
    open_categories = [
        states[name]
        for name in bank.categories
        if (categories is None or name in categories)
        and any(t.id not in asked for t in bank.templates_of(name))
    ]
    if not open_categories:
        return None
    return min(open_categories, key=lambda s: (s.coverage, bank.categories[s.category].position))


def choose(
    *,
    user_id,
    states: dict[str, CategoryState],
    asked: set[str],
    bank: QuestionBank | None = None,
    rankers: Iterable[Ranker] | None = None,
    categories: frozenset[str] | None = None,
) -> Choice | None:
    """Return the next (category, template), or None when every template was asked."""
    bank = bank or get_bank()
    category = choose_category(states, asked, bank, categories)
    if category is None:
        return None
    unasked = [t for t in bank.templates_of(category.category) if t.id not in asked]
    return Choice(category, rank_templates(user_id, unasked, rankers=rankers)[0])

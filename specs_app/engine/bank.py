"""The question bank: categories with their coverage targets and question templates (data)."""

from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ImproperlyConfigured

from specs_app.engine._data import load, split_key


@dataclass(frozen=True)
class Category:
    name: str
    target: int
    required: bool
    position: int


@dataclass(frozen=True)
class Template:
    id: str
    category: str
    role: str
    text: str
    text_short: str
    text_long: str
    why: str
    fills: tuple[tuple[str, str], ...]
    position: int

    @property
    def own_key(self) -> tuple[str, str]:
        """Return the (category, key) that keeps what the vocabulary did not recognise."""
        return self.fills[0]

    def text_for(self, detail_level: str | None) -> str:
        """Return the wording for a detail level: brief is short, detailed long, else standard."""
        if detail_level == "brief":
            return self.text_short
        if detail_level == "detailed":
            return self.text_long
        return self.text


@dataclass(frozen=True)
class QuestionBank:
    categories: dict[str, Category]
    templates: tuple[Template, ...]

    def templates_of(self, category: str) -> list[Template]:
        return [t for t in self.templates if t.category == category]

    def template(self, template_id: str) -> Template | None:
        return next((t for t in self.templates if t.id == template_id), None)

    @property
    def required_categories(self) -> list[Category]:
        return [c for c in self.categories.values() if c.required]

    @property
    def total_target(self) -> int:
        return sum(c.target for c in self.categories.values())


def parse_bank(document: dict, *, where: str = "question_bank.yaml") -> QuestionBank:
    """Build a QuestionBank from its document, refusing anything malformed."""
    categories: dict[str, Category] = {}
    for position, (name, spec) in enumerate((document.get("categories") or {}).items()):
        target = (spec or {}).get("target")
        if not isinstance(target, int) or target < 1:
            raise ImproperlyConfigured(f"{where}: category {name!r} needs a positive target")
        categories[name] = Category(name, target, bool(spec.get("required", True)), position)
    templates: list[Template] = []
    seen: set[str] = set()
    for category, items in (document.get("templates") or {}).items():
        if category not in categories:
            raise ImproperlyConfigured(f"{where}: templates for unknown category {category!r}")
        for item in items or []:
            template_id = item.get("id")
            if not template_id or template_id in seen:
                raise ImproperlyConfigured(f"{where}: missing or repeated id {template_id!r}")
            seen.add(template_id)
            missing = [f for f in ("role", "text", "why", "fills") if not item.get(f)]
            if missing:
                raise ImproperlyConfigured(f"{where}: {template_id} lacks {', '.join(missing)}")
            fills = tuple(split_key(f, where=f"{where} {template_id}") for f in item["fills"])
            templates.append(
                Template(
                    id=template_id,
                    category=category,
                    role=item["role"],
                    text=item["text"].strip(),
                    text_short=(item.get("text_short") or item["text"]).strip(),
                    text_long=(item.get("text_long") or item["text"]).strip(),
                    why=item["why"].strip(),
                    fills=fills,
                    position=len(templates),
                )
            )
    return QuestionBank(categories=categories, templates=tuple(templates))


@cache
def get_bank() -> QuestionBank:
    """Return the bank shipped with the app."""
    return parse_bank(load("question_bank"))

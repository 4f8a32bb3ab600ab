"""What the generator makes of a project's specifications: stack, groups, names.

Categories get roles:
- goals (but not planning keys): the README's purpose sections;
- tech_stack: dependency and configuration files (only the specifications that chose the
  stack and the database are implemented by them);
- testing: the CI workflow and test configuration;
- planning (timeline, budget, constraints, team...): documented in SPECIFICATION.md only;
  nothing in code implements them, so they lower the traceability score;
- every other category: a feature module with one stub per specification and a test module
  with one test per specification.
"""

import re
import sys
from dataclasses import dataclass

from .stack import StackPlan, detect_stack
from .text import SpecRecord, first_number, kebab, snake

# The question bank's order; other categories follow alphabetically.
CATEGORY_ORDER = (
    "goals",
    "requirements",
    "tech_stack",
    "scalability",
    "security",
    "performance",
    "testing",
    "monitoring",
    "data_retention",
    "disaster_recovery",
)
README_CATEGORIES = frozenset({"goals", "overview", "vision", "business"})
PLANNING_CATEGORIES = frozenset({"timeline", "budget", "team", "resources", "planning"})
PLANNING_KEYS = frozenset(
    {"timeline", "constraints", "budget", "milestones", "deadline", "deadlines", "team", "schedule"}
)
# Names the generated Python package must not take (they would shadow an import).
TAKEN_PACKAGE_NAMES = frozenset({"django", "tests", "test", "pytest", "manage", "features"})
STACK_CATEGORY = "tech_stack"
TESTING_CATEGORY = "testing"


def category_rank(category: str) -> tuple[int, str]:
    try:
        return (CATEGORY_ORDER.index(category), category)
    except ValueError:
        return (len(CATEGORY_ORDER), category)


def is_planning(spec: SpecRecord) -> bool:
    return spec.category in PLANNING_CATEGORIES or spec.key in PLANNING_KEYS


@dataclass(frozen=True)
class Blueprint:
    name: str
    description: str
    specs: tuple[SpecRecord, ...]
    plan: StackPlan
    readme_specs: tuple[SpecRecord, ...]
    testing_specs: tuple[SpecRecord, ...]
    planning_specs: tuple[SpecRecord, ...]
    feature_groups: tuple[tuple[str, tuple[SpecRecord, ...]], ...]
    min_coverage: int | None
    python_package: str
    npm_name: str

    def by_category(self) -> list[tuple[str, list[SpecRecord]]]:
        groups: dict[str, list[SpecRecord]] = {}
        for spec in self.specs:
            groups.setdefault(spec.category, []).append(spec)
        return sorted(groups.items(), key=lambda item: category_rank(item[0]))


def build_blueprint(*, name: str, description: str, specs: list[SpecRecord]) -> Blueprint:
    """Sort and group the specifications and read the stack (may raise UnsupportedStack)."""
    ordered = tuple(sorted(specs, key=lambda s: (category_rank(s.category), s.key, str(s.id))))
    readme, testing, planning = [], [], []
    features: dict[str, list[SpecRecord]] = {}
    for spec in ordered:
        if is_planning(spec):
            planning.append(spec)
        elif spec.category in README_CATEGORIES:
            readme.append(spec)
        elif spec.category == STACK_CATEGORY:
            continue
        elif spec.category == TESTING_CATEGORY:
            testing.append(spec)
        else:
            features.setdefault(spec.category, []).append(spec)
    coverage_specs = [s for s in testing if "coverage" in s.key]
    min_coverage = next(
        (
            number
            for s in coverage_specs
            if (number := first_number(f"{s.value} {s.content}", 1, 100)) is not None
        ),
        None,
    )
    package = snake(re.sub(r"\s+", "_", name), fallback="app")[:40].strip("_") or "app"
    if package in sys.stdlib_module_names or package in TAKEN_PACKAGE_NAMES:
        package = f"{package}_project"
    return Blueprint(
        name=name.strip() or "Project",
        description=description.strip(),
        specs=ordered,
        plan=detect_stack(list(ordered)),
        readme_specs=tuple(readme),
        testing_specs=tuple(testing),
        planning_specs=tuple(planning),
        feature_groups=tuple((category, tuple(items)) for category, items in features.items()),
        min_coverage=min_coverage,
        python_package=package,
        npm_name=kebab(name),
    )

"""Extraction on a corpus of realistic answers: what each one stores is pinned, and no stored
value is a fragment (a connector or an introducing verb left dangling once the technologies
were taken out: "Online booking and reminders, built.")."""

import re

import pytest

from specs_app.engine.extraction import extract_specifications

# (own key of the question, answer, [(category.key, value), ...] in order)
CASES = [
    (
        "requirements.core_features",
        "Online booking and reminders, built with Django 5.2 on Python 3.12 and PostgreSQL 13.",
        [
            ("tech_stack.framework", "django 5.2"),
            ("tech_stack.language", "python 3.12"),
            ("tech_stack.database", "postgresql 13"),
            ("requirements.core_features", "Online booking and reminders."),
        ],
    ),
    (
        "goals.problem_statement",
        "Built with Django 5.2 on Python 3.12 and PostgreSQL 16.",
        [
            ("tech_stack.framework", "django 5.2"),
            ("tech_stack.language", "python 3.12"),
            ("tech_stack.database", "postgresql 16"),
        ],
    ),
    (
        "goals.problem_statement",
        "Small clinics lose track of appointments.",
        [("goals.problem_statement", "Small clinics lose track of appointments.")],
    ),
    (
        "tech_stack.notes",
        "We use React 18 for the front end and Node.js 20 behind it.",
        [("tech_stack.frontend_framework", "react 18"), ("tech_stack.runtime", "node 20")],
    ),
    (
        "tech_stack.notes",
        "Backend in Go 1.22, data in PostgreSQL 15, cache in Redis 7.",
        [
            ("tech_stack.language", "go 1.22"),
            ("tech_stack.database", "postgresql 15"),
            ("tech_stack.cache", "redis 7"),
        ],
    ),
    (
        "tech_stack.notes",
        "FastAPI on Python 3.11, deployed on AWS.",
        [
            ("tech_stack.framework", "fastapi"),
            ("tech_stack.language", "python 3.11"),
            ("tech_stack.hosting", "aws"),
        ],
    ),
    (
        "requirements.core_features",
        "Patients book, move and cancel appointments; staff see the day's schedule.",
        [
            (
                "requirements.core_features",
                "Patients book, move and cancel appointments; staff see the day's schedule.",
            )
        ],
    ),
    (
        "requirements.performance",
        "Pages must load in under 200 ms for 95% of requests.",
        [("requirements.performance", "Pages must load in under 200 ms for 95% of requests.")],
    ),
    (
        "scalability.notes",
        "About 2,000 users at launch, 50,000 within a year.",
        [
            ("scalability.expected_load", "2000 users"),
            ("scalability.notes", "About 2,000 users at launch, 50,000 within a year."),
        ],
    ),
    (
        "timeline.notes",
        "Launch in 3 months, a beta after 6 weeks.",
        [("timeline.notes", "Launch in 3 months, a beta after 6 weeks.")],
    ),
    (
        "constraints.notes",
        "Budget is tight: two developers, no dedicated ops.",
        [("constraints.notes", "Budget is tight: two developers, no dedicated ops.")],
    ),
    (
        "testing.notes",
        "pytest with 80% coverage, written in Python 3.12.",
        [
            ("testing.framework", "pytest"),
            ("testing.min_coverage", "80%"),
            ("tech_stack.language", "python 3.12"),
            ("testing.notes", "80% coverage."),
        ],
    ),
    (
        "deployment.notes",
        "Docker containers on Kubernetes, hosted on Google Cloud.",
        [
            ("tech_stack.containers", "docker"),
            ("tech_stack.orchestration", "kubernetes"),
            ("tech_stack.hosting", "gcp"),
        ],
    ),
    (
        "goals.problem_statement",
        "Restaurants need a simple way to take table reservations, powered by PostgreSQL.",
        [
            ("tech_stack.database", "postgresql"),
            (
                "goals.problem_statement",
                "Restaurants need a simple way to take table reservations.",
            ),
        ],
    ),
    (
        "requirements.core_features",
        "Invoices as PDF, exported nightly; implemented in Java 21 with Spring Boot 3.",
        [
            ("tech_stack.language", "java 21"),
            ("tech_stack.framework", "spring 3"),
            ("requirements.core_features", "Invoices as PDF, exported nightly."),
        ],
    ),
    (
        "tech_stack.notes",
        "Not MongoDB; PostgreSQL 16 for everything.",
        [
            ("tech_stack.database", "postgresql 16"),
            ("tech_stack.notes", "Not MongoDB; everything."),
        ],
    ),
    (
        "requirements.security",
        "Staff sign in with SSO; every change is audited.",
        [("requirements.security", "Staff sign in with SSO; every change is audited.")],
    ),
    (
        "goals.problem_statement",
        "Farmers cannot see which fields need water today.",
        [("goals.problem_statement", "Farmers cannot see which fields need water today.")],
    ),
    (
        "tech_stack.notes",
        "Vue 3 and TypeScript, running on Node.js 22.",
        [
            ("tech_stack.frontend_framework", "vue 3"),
            ("tech_stack.language", "typescript"),
            ("tech_stack.runtime", "node 22"),
        ],
    ),
    (
        "requirements.core_features",
        "Search by name, filter by date, export to CSV.",
        [("requirements.core_features", "Search by name, filter by date, export to CSV.")],
    ),
    (
        "scalability.notes",
        "Up to 500 requests per second at peak.",
        [
            ("performance.throughput", "500 rps"),
            ("scalability.notes", "Up to 500 requests per second at peak."),
        ],
    ),
    (
        "requirements.availability",
        "99.9% uptime during opening hours.",
        [
            ("scalability.availability", "99.9%"),
            ("requirements.availability", "99.9% uptime during opening hours."),
        ],
    ),
    (
        "timeline.notes",
        "The MVP is due in 8 weeks.",
        [("timeline.notes", "The MVP is due in 8 weeks.")],
    ),
    (
        "tech_stack.notes",
        "Django 5.2 with PostgreSQL 16 and Redis 7, all on Python 3.12.",
        [
            ("tech_stack.framework", "django 5.2"),
            ("tech_stack.database", "postgresql 16"),
            ("tech_stack.cache", "redis 7"),
            ("tech_stack.language", "python 3.12"),
        ],
    ),
    (
        "goals.problem_statement",
        "Volunteers coordinate shifts over chat and forget who covers what.",
        [
            (
                "goals.problem_statement",
                "Volunteers coordinate shifts over chat and forget who covers what.",
            )
        ],
    ),
    (
        "requirements.core_features",
        "A mobile app written in Kotlin for drivers, and a web dashboard.",
        [
            ("tech_stack.language", "kotlin"),
            ("requirements.core_features", "A mobile app for drivers, and a web dashboard."),
        ],
    ),
    (
        "deployment.notes",
        "Deployed on AWS with Terraform, CI on GitHub Actions.",
        [
            ("tech_stack.hosting", "aws"),
            ("tech_stack.ci_cd", "github_actions"),
            ("deployment.notes", "Terraform, CI."),
        ],
    ),
    (
        "constraints.notes",
        "Data must stay in the EU; GDPR applies.",
        [("constraints.notes", "Data must stay in the EU; GDPR applies.")],
    ),
    (
        "testing.notes",
        "End-to-end tests with Playwright before every release.",
        [
            ("testing.e2e_framework", "playwright"),
            ("testing.notes", "End-to-end tests before every release."),
        ],
    ),
    (
        "requirements.core_features",
        "Users upload photos up to 10 MB each, stored in S3.",
        [("requirements.core_features", "Users upload photos up to 10 MB each, stored in S3.")],
    ),
    (
        "goals.problem_statement",
        "Libraries track loans on paper, made worse by multiple branches.",
        [
            (
                "goals.problem_statement",
                "Libraries track loans on paper, made worse by multiple branches.",
            )
        ],
    ),
    (
        "tech_stack.notes",
        "Rails 7 on Ruby 3.3 with MySQL 8.",
        [
            ("tech_stack.framework", "rails 7"),
            ("tech_stack.language", "ruby 3.3"),
            ("tech_stack.database", "mysql 8"),
        ],
    ),
]

DANGLING = re.compile(
    r"\b(with|on|and|or|in|using|via|plus|for|by|built|made|written|powered|running|hosted|"
    r"deployed|use)\s*[.,;:]?\s*$",
    re.IGNORECASE,
)


def extracted(own, answer):
    category, key = own.split(".")
    specs = extract_specifications(answer, own_key=(category, key), category=category)
    return [(f"{s.category}.{s.key}", s.value) for s in specs]


def test_the_corpus_is_large_and_varied():
    assert len(CASES) >= 30
    assert len({own for own, _a, _e in CASES}) >= 10


@pytest.mark.parametrize(("own", "answer", "expected"), CASES, ids=[c[1][:40] for c in CASES])
def test_what_each_answer_stores_is_pinned(own, answer, expected):
    assert extracted(own, answer) == expected


@pytest.mark.parametrize(("own", "answer", "expected"), CASES, ids=[c[1][:40] for c in CASES])
def test_no_stored_value_ends_on_a_dangling_word(own, answer, expected):
    for key, value in extracted(own, answer):
        assert not DANGLING.search(value), (key, value)
        assert re.search(r"[A-Za-z0-9]{2}", value), (key, value)

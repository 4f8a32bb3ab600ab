"""Read the chosen stack and database from a project's tech_stack specifications.

The generator writes Python/Django and Node/TypeScript (Express) projects, each with PostgreSQL,
MySQL/MariaDB or SQLite (Node also MongoDB). A stack or database the specifications name but
the generator cannot write is refused up front, rather than silently swapped for another.
"""

import re
import uuid
from dataclasses import dataclass, field

from .text import SpecRecord, version_after

PYTHON_DJANGO = "python_django"
NODE_TYPESCRIPT = "node_typescript"
STACK_LABELS = {PYTHON_DJANGO: "Python / Django", NODE_TYPESCRIPT: "Node.js / TypeScript (Express)"}
DEFAULT_STACK = PYTHON_DJANGO

DATABASE_LABELS = {
    "postgresql": "PostgreSQL",
    "mysql": "MySQL / MariaDB",
    "sqlite": "SQLite",
    "mongodb": "MongoDB",
}
DEFAULT_DATABASE = "postgresql"
STACK_DATABASES = {
    PYTHON_DJANGO: ("postgresql", "mysql", "sqlite"),
    NODE_TYPESCRIPT: ("postgresql", "mysql", "sqlite", "mongodb"),
}
DEFAULT_VERSIONS = {"python": "3.12", "node": "22", "postgresql": "16", "mysql": "8.4"}

# Spellings recognised anywhere in a tech_stack specification.
STACK_WORDS = {
    "django": PYTHON_DJANGO,
    "python": PYTHON_DJANGO,
    "cpython": PYTHON_DJANGO,
    "typescript": NODE_TYPESCRIPT,
    "javascript": NODE_TYPESCRIPT,
    "node.js": NODE_TYPESCRIPT,
    "nodejs": NODE_TYPESCRIPT,
    "express.js": NODE_TYPESCRIPT,
    "expressjs": NODE_TYPESCRIPT,
}
# Ordinary English words too: they count only in a language/framework/runtime specification.
STACK_WORDS_IN_OWN_KEY = {"node": NODE_TYPESCRIPT, "express": NODE_TYPESCRIPT}
# "go" is too common a word ("we go with Django"): only a value that is Go itself counts.
GO_VALUE = re.compile(r"\s*go(?:\s*v?\d+(?:\.\d+)*)?\s*", re.IGNORECASE)
UNSUPPORTED_STACK_WORDS = {
    "flask": "Flask",
    "fastapi": "FastAPI",
    "java": "Java",
    "spring": "Spring",
    "golang": "Go",
    "ruby": "Ruby",
    "rails": "Ruby on Rails",
    "php": "PHP",
    "laravel": "Laravel",
    "rust": "Rust",
    "kotlin": "Kotlin",
    "c#": "C#",
    "csharp": "C#",
    ".net": ".NET",
    "asp.net": "ASP.NET",
    "elixir": "Elixir",
    "phoenix": "Phoenix",
    "nestjs": "NestJS",
    "nest.js": "NestJS",
}
DATABASE_WORDS = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "mongodb": "mongodb",
    "mongo": "mongodb",
}
UNSUPPORTED_DATABASE_WORDS = {
    "sql server": "SQL Server",
    "mssql": "SQL Server",
    "oracle": "Oracle Database",
    "dynamodb": "DynamoDB",
    "cassandra": "Cassandra",
    "cockroachdb": "CockroachDB",
}
STACK_KEYS = ("framework", "backend_framework", "language", "runtime")


class UnsupportedStack(ValueError):
    """The specifications ask for a stack or database the generator cannot write."""


@dataclass(frozen=True)
class StackPlan:
    stack: str
    database: str
    stack_spec_ids: tuple[uuid.UUID, ...]
    database_spec_ids: tuple[uuid.UUID, ...]
    python_version: str
    node_version: str
    database_version: str | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def stack_label(self) -> str:
        return STACK_LABELS[self.stack]

    @property
    def database_label(self) -> str:
        return DATABASE_LABELS[self.database]


def _pattern(word: str) -> re.Pattern:
    return re.compile(rf"(?<![\w.#]){re.escape(word)}(?![\w#]|\.\w)", re.IGNORECASE)


def _first_match(text: str, words: dict) -> tuple[int, str] | None:
    """Return (position, meaning) of the earliest listed word in text."""
    best = None
    for word, meaning in words.items():
        match = _pattern(word).search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), meaning)
    return best


def _signal(spec: SpecRecord, words: dict, own_key_words: dict, unsupported: dict, own_keys):
    text = f"{spec.value} {spec.content}"
    vocabulary = {**words, **{word: ("unsupported", name) for word, name in unsupported.items()}}
    if spec.key in own_keys:
        for word, meaning in own_key_words.items():
            vocabulary.setdefault(
                word, meaning if meaning in STACK_LABELS else ("unsupported", meaning)
            )
    if spec.key in own_keys and GO_VALUE.fullmatch(spec.value):
        return ("unsupported", "Go")
    found = _first_match(text, vocabulary)
    return found[1] if found else None


def _ordered(specs: list[SpecRecord], first_keys: tuple[str, ...], skip_prefixes: tuple[str, ...]):
    own = [s for key in first_keys for s in specs if s.key == key]
    rest = [s for s in specs if s.key not in first_keys and not s.key.startswith(skip_prefixes)]
    return own + sorted(rest, key=lambda s: (s.key, str(s.id)))


def detect_stack(specs: list[SpecRecord]) -> StackPlan:
    """Return the stack plan the tech_stack specifications ask for (raise UnsupportedStack)."""
    tech = [s for s in specs if s.category == "tech_stack"]
    notes = []

    stack, stack_ids = None, []
    for spec in _ordered(tech, STACK_KEYS, ("frontend", "database", "hosting")):
        meaning = _signal(
            spec, STACK_WORDS, STACK_WORDS_IN_OWN_KEY, UNSUPPORTED_STACK_WORDS, STACK_KEYS
        )
        if meaning is None:
            continue
        if isinstance(meaning, tuple):
            if stack is None:
                raise UnsupportedStack(
                    f"The specification {spec.full_key} asks for {meaning[1]}; the generator "
                    f"writes {' or '.join(STACK_LABELS.values())} projects."
                )
            continue
        if stack is None:
            stack = meaning
        if meaning == stack:
            stack_ids.append(spec.id)
    if stack is None:
        stack = DEFAULT_STACK
        notes.append(f"No language or framework is specified; {STACK_LABELS[stack]} is assumed.")

    database, database_ids, database_text = None, [], ""
    for spec in _ordered(tech, ("database",), ("frontend",)):
        meaning = _signal(spec, DATABASE_WORDS, {}, UNSUPPORTED_DATABASE_WORDS, ())
        if meaning is None:
            continue
        if isinstance(meaning, tuple):
            if database is None and spec.key.startswith("database"):
                raise UnsupportedStack(
                    f"The specification {spec.full_key} asks for {meaning[1]}; the generator "
                    f"supports {', '.join(DATABASE_LABELS[d] for d in STACK_DATABASES[stack])} "
                    f"with {STACK_LABELS[stack]}."
                )
            continue
        if database is None:
            database = meaning
            database_text = f"{spec.value} {spec.content}"
        if meaning == database:
            database_ids.append(spec.id)
    if database is None:
        database = DEFAULT_DATABASE
        notes.append(f"No database is specified; {DATABASE_LABELS[database]} is assumed.")
    if database not in STACK_DATABASES[stack]:
        raise UnsupportedStack(
            f"{DATABASE_LABELS[database]} is not supported with {STACK_LABELS[stack]}; choose "
            f"{', '.join(DATABASE_LABELS[d] for d in STACK_DATABASES[stack])}."
        )

    stack_text = " ".join(f"{s.value} {s.content}" for s in tech)
    python_version = version_after("python", stack_text) or DEFAULT_VERSIONS["python"]
    node_version = (
        version_after("node.js", stack_text)
        or version_after("nodejs", stack_text)
        or version_after("node", stack_text)
        or DEFAULT_VERSIONS["node"]
    ).split(".")[0]
    database_version = None
    if database == "postgresql":
        database_version = (
            version_after("postgresql", database_text)
            or version_after("postgres", database_text)
            or DEFAULT_VERSIONS["postgresql"]
        ).split(".")[0]
    elif database == "mysql":
        database_version = version_after("mysql", database_text) or DEFAULT_VERSIONS["mysql"]
    return StackPlan(
        stack=stack,
        database=database,
        stack_spec_ids=tuple(stack_ids),
        database_spec_ids=tuple(database_ids),
        python_version=python_version,
        node_version=node_version,
        database_version=database_version,
        notes=tuple(notes),
    )

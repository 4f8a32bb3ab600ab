"""Small text helpers for the generator: names, comments, markers. Pure functions."""

import keyword
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

# Words TypeScript reserves (a function may not be named after them).
TS_RESERVED = frozenset(
    """break case catch class const continue debugger default delete do else enum export extends
    false finally for function if import in instanceof new null return super switch this throw
    true try typeof var void while with as implements interface let package private protected
    public static yield await any boolean number string symbol type never unknown""".split()
)

MARKER = "Implements specifications:"


@dataclass(frozen=True)
class SpecRecord:
    """The parts of a current specification the generator reads."""

    id: uuid.UUID
    category: str
    key: str
    value: str
    content: str

    @property
    def title(self) -> str:
        words = re.sub(r"[_\-.]+", " ", self.key).strip()
        return words[:1].upper() + words[1:] if words else str(self.id)

    @property
    def text(self) -> str:
        value, content = self.value.strip(), self.content.strip()
        if content and content != value and content not in value:
            return f"{value}\n{content}" if value else content
        return value or "(no details recorded)"

    @property
    def full_key(self) -> str:
        return f"{self.category}.{self.key}"


def snake(text: str, *, fallback: str = "item") -> str:
    """Return a Python identifier made from text (lowercase, underscores)."""
    name = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    if not name:
        name = fallback
    if name[0].isdigit() or keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name = f"{fallback}_{name}"
    return name


def camel(text: str, *, fallback: str = "item") -> str:
    """Return a TypeScript identifier made from text (lowerCamelCase)."""
    parts = [part for part in re.split(r"[^0-9a-zA-Z]+", text) if part]
    if not parts:
        return fallback
    name = parts[0].lower() + "".join(part[:1].upper() + part[1:].lower() for part in parts[1:])
    if name[0].isdigit() or name in TS_RESERVED:
        name = fallback + name[:1].upper() + name[1:]
    return name


def kebab(text: str, *, fallback: str = "app") -> str:
    """Return an npm package name made from text."""
    name = re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")[:60].strip("-")
    return name or fallback


def unique_names(names: Iterable[str], *, taken: Iterable[str] = ()) -> list[str]:
    """Suffix repeated (or taken) names with _2, _3... in order, so each is unique."""
    used: set[str] = set(taken)
    result = []
    for name in names:
        candidate, count = name, 1
        while candidate in used:
            count += 1
            candidate = f"{name}_{count}"
        used.add(candidate)
        result.append(candidate)
    return result


def comment_lines(text: str, prefix: str) -> str:
    """Return text as comment lines (each line prefixed), safe for any content."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(f"{prefix} {line}".rstrip() for line in lines)


def one_line(text: str, limit: int = 160) -> str:
    """Return text collapsed to one line, cut at limit characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def marker_line(spec_ids: Iterable[uuid.UUID]) -> str:
    return f"{MARKER} {', '.join(str(spec_id) for spec_id in spec_ids)}"


def first_number(text: str, low: int, high: int) -> int | None:
    """Return the first integer in text between low and high, or None."""
    for match in re.finditer(r"\d+", text):
        number = int(match.group())
        if low <= number <= high:
            return number
    return None


def version_after(word: str, text: str) -> str | None:
    """Return the version number written right after word in text ("python 3.12" -> "3.12")."""
    match = re.search(rf"\b{re.escape(word)}\s*v?(\d+(?:\.\d+)?)", text, re.IGNORECASE)
    return match.group(1) if match else None


@dataclass(frozen=True)
class OutFile:
    """One generated file: its path, text and the specifications it implements."""

    path: str
    content: str
    spec_ids: tuple[uuid.UUID, ...]

    @property
    def size(self) -> int:
        return len(self.content.encode("utf-8"))

    @property
    def lines(self) -> int:
        return len(self.content.splitlines())


def make_file(path: str, body: str, spec_ids: Iterable[uuid.UUID], comment: str | None) -> OutFile:
    """Build a file whose text names the specifications it implements.

    comment is the line-comment prefix ("#", "//"), "md" for an HTML comment at the end, or
    None when the body already carries the ids itself (JSON).
    """
    ids = tuple(dict.fromkeys(spec_ids))
    body = body if body.endswith("\n") else body + "\n"
    if ids and comment == "md":
        body = f"{body}\n<!-- {marker_line(ids)} -->\n"
    elif ids and comment:
        header = f"{comment} {marker_line(ids)}\n"
        if body.startswith("#!"):
            shebang, _, rest = body.partition("\n")
            body = f"{shebang}\n{header}{rest}"
        else:
            body = header + body
    return OutFile(path=path, content=body, spec_ids=ids)


def doc_safe(text: str) -> str:
    """Return text on one line without quotes or backslashes (safe inside any string literal)."""
    return one_line(re.sub(r"[\"'`\\]", "", text), 120)

"""Turn an answer into specifications, offline and deterministically.

The vocabulary recognises technologies with their versions ("PostgreSQL 16" fills
tech_stack.database with "postgresql 16") and quantities (latencies, percentages, durations,
sizes, rates, user counts), each mapped to its key. The rest of the answer fills the
template's own key, so nothing the user said is lost: its value is the answer without the
technologies already recorded elsewhere, its content the whole answer.
"""

import re
from dataclasses import dataclass, field

from specs_app.engine.vocabulary import Vocabulary, get_vocabulary

# Words that carry no requirement of their own once the technologies are taken out of an answer
# ("Django 5.2 on Python 3.12" leaves "on": nothing worth a specification of its own).
FILLER_WORDS = frozenset(
    """
    a an and or the on in of to for with by via at as is are be will would we our us it its
    use uses using used also plus both then that this these those i my version versions latest
    stable main primary back front end backend frontend database databases framework frameworks
    language languages index indexes extension extensions cache queue stack run runs running
    hosted host deploy deployed deployment s just behind data container containers all
    everything
    """.split()
)
VALUE_MAX_LENGTH = 1000


@dataclass(frozen=True)
class ExtractedSpec:
    category: str
    key: str
    value: str
    content: str
    metadata: dict = field(default_factory=dict)

    @property
    def qualified_key(self) -> tuple[str, str]:
        return (self.category, self.key)


def normalise_text(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def extract_specifications(
    answer: str,
    *,
    own_key: tuple[str, str] | None,
    category: str,
    vocabulary: Vocabulary | None = None,
) -> list[ExtractedSpec]:
    """Return the specifications an answer states, one per key, in the order they appear.

    `own_key` is the (category, key) of the question's template, which keeps the rest of the
    answer; `category` is the question's (it places quantities no keyword places).
    A key mentioned twice keeps its first value; the others are listed in its metadata under
    "also_mentioned". Rejected technologies ("not MongoDB") fill nothing and are listed under
    "rejected" on the template's own specification.
    """
    vocabulary = vocabulary or get_vocabulary()
    text = normalise_text(answer)
    mentions = vocabulary.find_technologies(text)
    chosen = [m for m in mentions if not m.negated]
    quantities = [
        q
        for q in vocabulary.find_quantities(
            text, category=category, skip=[(m.start, m.end) for m in mentions]
        )
        if q.key is not None
    ]
    found: list[tuple[int, tuple[str, str], str, dict]] = []
    for mention in chosen:
        tech = mention.technology
        metadata = {"technology": tech.id}
        if mention.version:
            metadata["version"] = mention.version
        found.append((mention.start, (tech.category, tech.key), mention.value, metadata))
    for quantity in quantities:
        metadata = {
            "quantity": quantity.number,
            "unit": quantity.unit,
            "kind": quantity.kind,
            "base_value": quantity.base_value,
        }
        if quantity.comparator:
            metadata["comparator"] = quantity.comparator
        found.append((quantity.start, quantity.key, quantity.value, metadata))
    found.sort(key=lambda item: item[0])

    specs: dict[tuple[str, str], ExtractedSpec] = {}
    for _start, key, value, metadata in found:
        if key in specs:
            specs[key].metadata.setdefault("also_mentioned", []).append(value)
            continue
        specs[key] = ExtractedSpec(
            key[0], key[1], value, text, {"origin": "vocabulary", **metadata}
        )

    if own_key is not None and own_key not in specs:
        rest = _without(text, [(m.start, m.end) for m in chosen])
        if _has_substance(rest):
            metadata = {"origin": "answer"}
            rejected = sorted({m.technology.id for m in mentions if m.negated})
            if rejected:
                metadata["rejected"] = rejected
            specs[own_key] = ExtractedSpec(
                own_key[0], own_key[1], rest[:VALUE_MAX_LENGTH], text, metadata
            )
    return list(specs.values())


CUT = "\x00"
# Words that only join a removed technology to the sentence ("built with Django on Python").
CONNECTORS = r"(?:with|on|and|or|in|using|via|plus|over|atop|for|by)"
# Verbs that only introduce the removed technologies ("..., built with Django 5.2"): left alone
# they would become a specification such as "Online booking and reminders, built."
INTRODUCERS = (
    r"(?:built|made|written|developed|implemented|powered|based|created|coded|running|"
    r"hosted|deployed|served|backed|stored|kept|done)"
)


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """Return the text with the given spans cut out, with the words that only joined them."""
    pieces, cursor = [], 0
    for start, end in sorted(spans):
        pieces.append(text[cursor:start] + CUT)
        cursor = end
    pieces.append(text[cursor:])
    rest = "".join(pieces)
    joined = re.compile(rf"{CUT}\s*(?:,\s*)?(?:\b{CONNECTORS}\b\s*)?{CUT}", re.IGNORECASE)
    while joined.search(rest):
        rest = joined.sub(CUT, rest)
    rest = re.sub(rf"\b{CONNECTORS}\s+{CUT}", CUT, rest, flags=re.IGNORECASE)
    rest = re.sub(
        rf"(?:,\s*)?\b(?:(?:and|but)\s+)?(?:(?:is|are|was|will be|gets|get)\s+)?{INTRODUCERS}\s*"
        rf"(?:\b{CONNECTORS}\b\s*)?{CUT}",
        CUT,
        rest,
        flags=re.IGNORECASE,
    )
    # A connector left at the start of a clause by a cut ("pytest with 80% coverage" without
    # pytest, "; PostgreSQL for everything" without PostgreSQL) joins nothing any more.
    rest = re.sub(rf"(^|[;,.:]\s*){CUT}\s*\b{CONNECTORS}\b\s*", r"\1", rest, flags=re.IGNORECASE)
    rest = normalise_text(rest.replace(CUT, " "))
    rest = re.sub(r"\s+([,.;:!?)])", r"\1", rest)
    rest = re.sub(r"\(\s*\)", "", rest)
    rest = re.sub(r"([,;:])(\s*[,;:.])+", r"\2", rest)
    return rest.strip(" ,;:-")


def _has_substance(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    return any(word not in FILLER_WORDS for word in words)

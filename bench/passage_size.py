"""Measure which passage size finds a short answer buried in a long document.

The corpus (written here, not the tests' one, so that the size is not tuned to the tests): for
each of 8 facts of one or two sentences, a long document of ~3,000 words of unrelated text
(bench/embeddings.py's generator, eight other topics) with the fact placed at a random depth,
plus 3 short documents on a nearby topic that do not answer the question (the distractors). For
each passage size (word pieces; overlap a quarter of it) every document is split and encoded
with the real model; a document scores its best passage's cosine to the query. The script
prints, per size: how often the long document ranks first for its fact's query (of 8), its
mean rank, the mean margin of its score over the best distractor, the number of passages per
1,000 words (the cost: vectors stored and encoded), and the same for the old document vector
(the normalised mean of 256-token windows).

    .venv/bin/python bench/passage_size.py [--sizes 32,48,64,96,128,192,254] [--seeds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

import numpy as np

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socrates.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.embeddings import generate_corpus  # noqa: E402

# (fact, query, distractors on a nearby topic that do not answer it)
FACTS = (
    (
        "The warranty on the K7 dishwasher covers its drain pump for five years. Claims need "
        "the original receipt.",
        "how long is the dishwasher pump under warranty",
        (
            "Load plates facing the centre of the dishwasher and keep cups on the top rack.",
            "Our kitchen appliances ship with a quick start guide and a power cable.",
            "Descale the coffee machine monthly if your water is hard.",
        ),
    ),
    (
        "The office wifi password changes every Monday. Ask the front desk for the new one.",
        "where do I get the new wifi password",
        (
            "The office printer on the second floor prints double sided by default.",
            "Meeting rooms can be booked through the shared calendar.",
            "Routers should be restarted when the network feels slow.",
        ),
    ),
    (
        "The river ferry stops running at 9 pm on Sundays. On public holidays the last crossing "
        "is at 6 pm.",
        "when is the last ferry across the river on Sunday",
        (
            "The city bus network has twelve lines and night buses on weekends.",
            "Bridges over the river were rebuilt after the flood.",
            "Train tickets are cheaper when bought a week ahead.",
        ),
    ),
    (
        "The penguins at the city zoo are fed herring twice a day. Visitors may watch the noon "
        "feeding.",
        "what do the zoo penguins eat",
        (
            "The zoo opens at nine and the reptile house closes at four.",
            "Lions sleep up to twenty hours a day in the wild.",
            "Aquarium tanks are cleaned every Thursday morning.",
        ),
    ),
    (
        "The library closes for renovation in March. Borrowed books can be returned at the town "
        "hall meanwhile.",
        "where can I return library books during the renovation",
        (
            "The library holds a poetry reading on the first Friday of each month.",
            "New library cards are issued at the information desk.",
            "E-books can be borrowed for three weeks at a time.",
        ),
    ),
    (
        "Skin makes vitamin D when it is exposed to sunlight. In winter many people need "
        "supplements.",
        "how does the body make vitamin D",
        (
            "Oranges and kiwis are rich in vitamin C.",
            "A balanced diet includes vegetables, grains and protein.",
            "Drink water regularly during exercise.",
        ),
    ),
    (
        "Employees accrue two vacation days per month worked. Unused days expire at the end of "
        "March.",
        "when do unused vacation days expire",
        (
            "Payslips are sent by email on the last working day of the month.",
            "The company picnic takes place in June.",
            "Expense reports need a manager's approval.",
        ),
    ),
    (
        "To reset the thermostat, hold the mode button for ten seconds until the screen blinks.",
        "how do I reset the thermostat",
        (
            "Radiators should be bled once a year before winter.",
            "Smart plugs can switch lamps on a schedule.",
            "The boiler service is booked every autumn.",
        ),
    ),
)


def build(seed: int) -> tuple[list[str], list[tuple[str, int, list[int]]]]:
    """Return the documents and, per fact, (query, the long document's index, distractors)."""
    rng = random.Random(seed)
    filler = [text for _topic, text in generate_corpus(400, seed=seed)]
    documents: list[str] = []
    cases = []
    for fact, query, distractors in FACTS:
        words: list[str] = []
        while len(words) < 3000:
            words.extend(rng.choice(filler).split())
        depth = rng.randint(600, 2400)
        words[depth:depth] = fact.split()
        long_index = len(documents)
        documents.append(" ".join(words))
        indexes = []
        for text in distractors:
            indexes.append(len(documents))
            documents.append(text)
        cases.append((query, long_index, indexes))
    return documents, cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="32,48,64,96,128,192,254")
    parser.add_argument("--seeds", type=int, default=3)
    options = parser.parse_args()

    import django

    django.setup()
    from knowledge_app.embeddings import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    sizes = [int(size) for size in options.sizes.split(",")]
    print(f"model {embedder.model_name} ({embedder.inference}); window {embedder.window_tokens}")
    print("size  first/cases  mean-rank  margin  passages/1000 words")
    for size in [*sizes, 0]:
        firsts = cases_seen = 0
        ranks, margins, per_thousand = [], [], []
        for seed in range(options.seeds):
            documents, cases = build(seed)
            if size:
                embedder.passage_tokens, embedder.overlap = size, size // 4
            else:  # the old document vector: mean of 256-token windows
                embedder.passage_tokens, embedder.overlap = embedder.window_tokens, 32
            spans = embedder.passages(documents)
            vectors = embedder.encode([span.text for per in spans for span in per])
            scores_by_document, position = [], 0
            for per in spans:
                block = vectors[position : position + len(per)]
                position += len(per)
                scores_by_document.append(block)
            for query, long_index, distractors in cases:
                q = embedder.embed_query(query)
                candidates = [long_index, *distractors]
                if size:
                    scores = [float((scores_by_document[i] @ q).max()) for i in candidates]
                else:
                    means = [scores_by_document[i].mean(axis=0) for i in candidates]
                    scores = [float(m @ q / np.linalg.norm(m)) for m in means]
                rank = 1 + sum(score > scores[0] for score in scores[1:])
                firsts += rank == 1
                cases_seen += 1
                ranks.append(rank)
                margins.append(scores[0] - max(scores[1:]))
            words = len(documents[cases[0][1]].split())
            per_thousand.append(1000 * len(spans[cases[0][1]]) / words)
        label = str(size) if size else "mean"
        print(
            f"{label:>4}  {firsts:>5}/{cases_seen:<5}  {np.mean(ranks):9.2f}  "
            f"{np.mean(margins):+6.3f}  {np.mean(per_thousand):8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""Benchmark the code generator on a large project (pure: no database, no network).

Prints, per size: specifications, files, lines, bytes, generation time and zip time.
Run: SOCRATES_DATA_DIR=... .venv/bin/python bench/generation.py [sizes...]
"""

import io
import os
import sys
import time
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socrates.settings")

import django  # noqa: E402

django.setup()

from specs_app.generation.generator import SpecRecord, generate  # noqa: E402

CATEGORIES = ("requirements", "security", "performance", "scalability", "monitoring")


def specs_for(count: int) -> list[SpecRecord]:
    stack = [
        SpecRecord(uuid.uuid4(), "tech_stack", "language", "python 3.12", ""),
        SpecRecord(uuid.uuid4(), "tech_stack", "framework", "django", ""),
        SpecRecord(uuid.uuid4(), "tech_stack", "database", "postgresql 16", ""),
    ]
    rest = [
        SpecRecord(
            uuid.uuid4(),
            CATEGORIES[n % len(CATEGORIES)],
            f"requirement_{n}",
            f"The system shall handle case {n} within 200 ms.",
            "",
        )
        for n in range(count - len(stack))
    ]
    return stack + rest


def main(sizes: list[int]) -> None:
    print(f"{'specs':>7} {'files':>6} {'lines':>8} {'bytes':>10} {'generate s':>11} {'zip s':>7}")
    for size in sizes:
        specs = specs_for(size)
        started = time.perf_counter()
        out = generate(name="Big project", description="", specs=specs)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for f in out.files:
                archive.writestr(f.path, f.content)
        zipped = time.perf_counter() - started
        size_bytes = sum(f.size for f in out.files)
        print(
            f"{size:>7} {len(out.files):>6} {out.total_lines:>8} {size_bytes:>10} "
            f"{generated:>11.3f} {zipped:>7.3f}"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100, 1000, 5000])

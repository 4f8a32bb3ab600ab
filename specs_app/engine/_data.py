"""Read the engine's data files (YAML shipped in specs_app/engine/data/)."""

from functools import cache
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def load(name: str) -> dict:
    """Return the parsed document `data/<name>.yaml`, read once per process."""
    path = DATA_DIR / f"{name}.yaml"
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise ImproperlyConfigured(f"Engine data file {path} cannot be read: {exc}") from exc
    if not isinstance(document, dict):
        raise ImproperlyConfigured(f"Engine data file {path} must hold a mapping")
    return document


def split_key(qualified: str, *, where: str) -> tuple[str, str]:
    """Split "category.key" into its parts, naming the data file on a malformed key."""
    category, dot, key = qualified.partition(".")
    if not dot or not category or not key:
        raise ImproperlyConfigured(f"{where}: {qualified!r} is not a 'category.key' name")
    return category, key

"""Settings for running the migration gate over the probe apps (tests/migrations/test_gate.py)."""

from socrates.settings import *  # noqa: F403
from socrates.settings import INSTALLED_APPS

PROBES = [
    "drop_column",
    "rename_column",
    "not_null",
    "type_change",
    "runpython_irreversible",
    "index_not_concurrent",
    "lossy_reverse",
    "additive_ok",
    "state_only_remove",
]
INSTALLED_APPS = [
    *INSTALLED_APPS,
    *(f"tests.socrates.migrations.gate_probes.{probe}" for probe in PROBES),
]

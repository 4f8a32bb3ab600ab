from django.apps import AppConfig


class ProbeRunpythonIrreversibleConfig(AppConfig):
    name = "tests.socrates.migrations.gate_probes.runpython_irreversible"
    label = "probe_runpython_irreversible"
    default_auto_field = "django.db.models.BigAutoField"

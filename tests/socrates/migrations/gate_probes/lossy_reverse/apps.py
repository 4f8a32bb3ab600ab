from django.apps import AppConfig


class ProbeLossyReverseConfig(AppConfig):
    name = "tests.socrates.migrations.gate_probes.lossy_reverse"
    label = "probe_lossy_reverse"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class ProbeTypeChangeConfig(AppConfig):
    name = "tests.socrates.migrations.gate_probes.type_change"
    label = "probe_type_change"
    default_auto_field = "django.db.models.BigAutoField"

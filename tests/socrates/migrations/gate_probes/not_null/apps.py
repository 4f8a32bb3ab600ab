from django.apps import AppConfig


class ProbeNotNullConfig(AppConfig):
    name = "tests.socrates.migrations.gate_probes.not_null"
    label = "probe_not_null"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class ProbeDropColumnConfig(AppConfig):
    name = "tests.socrates.migrations.gate_probes.drop_column"
    label = "probe_drop_column"
    default_auto_field = "django.db.models.BigAutoField"

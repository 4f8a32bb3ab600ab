from django.apps import AppConfig


class ProbeIndexNotConcurrentConfig(AppConfig):
    name = "tests.socrates.migrations.gate_probes.index_not_concurrent"
    label = "probe_index_not_concurrent"
    default_auto_field = "django.db.models.BigAutoField"

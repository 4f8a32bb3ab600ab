from django.apps import AppConfig


class ProbeRenameColumnConfig(AppConfig):
    name = "tests.socrates.migrations.gate_probes.rename_column"
    label = "probe_rename_column"
    default_auto_field = "django.db.models.BigAutoField"

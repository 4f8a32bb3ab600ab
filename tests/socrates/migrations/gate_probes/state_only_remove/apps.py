from django.apps import AppConfig


class ProbeStateOnlyRemoveConfig(AppConfig):
    name = "tests.socrates.migrations.gate_probes.state_only_remove"
    label = "probe_state_only_remove"
    default_auto_field = "django.db.models.BigAutoField"

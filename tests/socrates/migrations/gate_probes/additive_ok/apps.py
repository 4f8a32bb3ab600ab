from django.apps import AppConfig


class ProbeAdditiveOkConfig(AppConfig):
    name = "tests.socrates.migrations.gate_probes.additive_ok"
    label = "probe_additive_ok"
    default_auto_field = "django.db.models.BigAutoField"

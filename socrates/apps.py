from django.apps import AppConfig


class SocratesConfig(AppConfig):
    name = "socrates"
    verbose_name = "Socrates platform"

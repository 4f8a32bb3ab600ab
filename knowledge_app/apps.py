from django.apps import AppConfig


class KnowledgeAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "knowledge_app"
    verbose_name = "Knowledge base"

    def ready(self):
        # The engine (specs_app, a lower layer) ranks templates, words questions and reports
        # answers through specs_app.engine.learning; what it learns lives here.
        from knowledge_app import learning
        from specs_app.engine.learning import register_learning

        register_learning(learning, phase=5)

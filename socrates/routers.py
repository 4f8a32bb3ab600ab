"""One database router for the whole project: it decides per model, not per app.

socrates_specs (`specs`) holds specs_app, knowledge_app, the project shares of teams_app and the
job queue (procrastinate: its jobs are about generations and documents, which live there);
everything else (users, audit, rules, API keys, teams, Django's contrib apps, the token
blacklist) lives in socrates_auth (`default`).
"""

from socrates.db import AUTH_DB, SPECS_DB

# Apps whose every model lives in socrates_specs.
SPECS_APPS = frozenset({"specs_app", "knowledge_app", "procrastinate"})
# Single models of otherwise-auth apps that live in socrates_specs ("app_label.model_name").
SPECS_MODELS = frozenset({"teams_app.projectshare"})


def database_for(app_label: str, model_name: str | None = None) -> str:
    """Return the alias that holds this model (or this app's model-less operations)."""
    if app_label in SPECS_APPS:
        return SPECS_DB
    if model_name and f"{app_label}.{model_name.lower()}" in SPECS_MODELS:
        return SPECS_DB
    return AUTH_DB


class DatabaseRouter:
    def db_for_read(self, model, **hints):
        return database_for(model._meta.app_label, model._meta.model_name)

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        db1 = database_for(obj1._meta.app_label, obj1._meta.model_name)
        db2 = database_for(obj2._meta.app_label, obj2._meta.model_name)
        return db1 == db2

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Operations without a model (RunSQL, RunPython, extensions) may name their target
        # database with hints={"target_db": "specs"}; otherwise they follow their app.
        target = hints.get("target_db")
        if target is not None:
            return db == target
        return db == database_for(app_label, model_name)

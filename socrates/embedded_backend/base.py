"""PostgreSQL backend that starts the embedded server on first connection.

Used only when neither AUTH_DATABASE_URL nor SPECS_DATABASE_URL is set, so that a command which
never touches the database (`manage.py help`, ruff, `makemigrations --check` without history
checks) starts nothing, and the first one that does starts or reuses the shared server.
"""

from django.db.backends.postgresql import base

from socrates import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        host, port = embedded_db.ensure_server(self.settings_dict["EMBEDDED_DATA_DIR"])
        self.settings_dict["HOST"] = host
        self.settings_dict["PORT"] = str(port)
        return super().get_connection_params()

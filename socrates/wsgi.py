"""WSGI entry point (gunicorn socrates.wsgi)."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socrates.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # One clear line naming the variable (gunicorn then reports the worker failed to boot).
    sys.exit(f"Configuration error: {exc}")

"""Settings for Socrates, driven by environment variables with safe local defaults."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from socrates.db import AUTH_DB, SPECS_DB
from socrates.local_secrets import local_secret

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_number(name: str, default: float, cast=float):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return cast(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    # socrates first: its management commands (migrate, showmigrations) wrap Django's.
    "socrates",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_migration_linter",
    # The job queue (tables in socrates_specs, socrates.routers); before the apps whose
    # tasks.py modules it discovers.
    "procrastinate.contrib.django",
    "auth_app",
    "specs_app",
    "knowledge_app",
    "teams_app",
]

MIDDLEWARE = [
    # First: every log line of the request, and its answer, carry the request id.
    "socrates.observability.RequestIdMiddleware",
    "socrates.slashes.ApiSlashMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's and Swagger UI's assets under gunicorn too (no internet, no nginx).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: it turns a login refused for a locked-out account into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

# Axes first: it refuses any login of a locked-out account before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "socrates.urls"
CSRF_FAILURE_VIEW = "socrates.api.errors.csrf_failure"
WSGI_APPLICATION = "socrates.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Databases -------------------------------------------------------------------------------

DATA_DIR = Path(os.environ.get("SOCRATES_DATA_DIR") or BASE_DIR / ".data").resolve()

# --- Secrets ---------------------------------------------------------------------------------
# Fail closed: with DEBUG off, SECRET_KEY (and API_KEY_ENCRYPTION_KEYS, below) come from the
# environment or start-up stops naming them. `make run` and `make test` export local ones kept in
# SOCRATES_DATA_DIR (socrates/local_secrets.py); with DEBUG on, settings reads the same file.
# The key this repository once committed as a fallback is refused everywhere: anyone can sign
# tokens with it.
COMMITTED_SECRET_KEY = "insecure-local-development-key-change-me-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
SECRET_KEY_IS_LOCAL = False
if SECRET_KEY == COMMITTED_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the key once committed to this repository (anyone can forge tokens with "
        "it); set a secret one"
    )
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (make run and make test use a local one "
            "kept in SOCRATES_DATA_DIR/secret-key)"
        )
    try:
        SECRET_KEY, SECRET_KEY_IS_LOCAL = local_secret(DATA_DIR, "secret-key"), True
    except OSError as exc:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set and no local key can be kept in SOCRATES_DATA_DIR={DATA_DIR}: "
            f"{exc.strerror or exc}"
        ) from None
AUTH_DATABASE_URL = os.environ.get("AUTH_DATABASE_URL", "")
SPECS_DATABASE_URL = os.environ.get("SPECS_DATABASE_URL", "")


def database_from_url(variable: str, url: str) -> dict:
    """Parse a postgres:// URL into a Django database dict, naming the variable on error."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a non-numeric port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{variable} is not a valid database URL: {exc}") from exc
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{variable} must start with postgresql:// (got scheme {parts.scheme!r})"
        )
    name = parts.path.lstrip("/")
    if not parts.hostname or not name or "/" in name:
        raise ImproperlyConfigured(
            f"{variable} must name a host and a database, as postgresql://user:pass@host:5432/db"
        )
    # libpq connection parameters in the query string (sslmode, connect_timeout, ...) pass through.
    options = {key: value for key, value in parse_qsl(parts.query)}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(name),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname,
        "PORT": str(port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def embedded_database(name: str) -> dict:
    return {
        "ENGINE": "socrates.embedded_backend",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": "",
        "EMBEDDED_DATA_DIR": str(DATA_DIR),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def check_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(f"SOCRATES_DATA_DIR={path} cannot be created: {exc}") from exc
    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        raise ImproperlyConfigured(f"SOCRATES_DATA_DIR={path} is not a writable directory")


if AUTH_DATABASE_URL or SPECS_DATABASE_URL:
    if not (AUTH_DATABASE_URL and SPECS_DATABASE_URL):
        raise ImproperlyConfigured(
            "Set both AUTH_DATABASE_URL and SPECS_DATABASE_URL, or neither for the embedded server"
        )
    USE_EMBEDDED_DATABASE = False
    DATABASES = {
        AUTH_DB: database_from_url("AUTH_DATABASE_URL", AUTH_DATABASE_URL),
        SPECS_DB: database_from_url("SPECS_DATABASE_URL", SPECS_DATABASE_URL),
    }
else:
    USE_EMBEDDED_DATABASE = True
    check_data_dir(DATA_DIR)
    DATABASES = {
        AUTH_DB: embedded_database("socrates_auth"),
        SPECS_DB: embedded_database("socrates_specs"),
    }

DATABASE_ROUTERS = ["socrates.routers.DatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Going back a phase, `phase --to N` announces N to every process, then waits this long before
# it drops anything (socrates.phases: each process rereads the phase every 2 s).
PHASE_ANNOUNCE_SECONDS = env_number("PHASE_ANNOUNCE_SECONDS", 3.0)

# Migrations must never queue behind long locks on a live database (socrates/migration_safety).
MIGRATION_LOCK_TIMEOUT = os.environ.get("MIGRATION_LOCK_TIMEOUT", "5s")
MIGRATION_STATEMENT_TIMEOUT = os.environ.get("MIGRATION_STATEMENT_TIMEOUT", "5min")

# Migration safety gate (`manage.py check_migrations`, socrates/migration_checks). The gate runs
# django-migration-linter once per database on the migrations touching it; `manage.py
# lintmigrations [--database specs]` reads the same options.
MIGRATION_LINTER_OPTIONS = {
    "sql_analyser": "postgresql",
    "include_apps": ["auth_app", "specs_app", "knowledge_app", "teams_app"],
    "no_cache": True,
    # Index builds and irreversible data migrations are warnings upstream; here they fail.
    "warnings_as_errors": [
        "CREATE_INDEX",
        "CREATE_INDEX_EXCLUSIVE",
        "DROP_INDEX",
        "REINDEX",
        "RUNPYTHON_REVERSIBLE",
        "RUNSQL_REVERSIBLE",
    ],
}
# Findings the gate lets through: {"app.migration": {"CODE": "why it is safe"}}. Only with a
# reason; the linter and the gate's own rules already accept an index or unique constraint on
# a table created in the same migration, so none is needed for that.
MIGRATION_GATE_IGNORES: dict[str, dict[str, str]] = {
    "auth_app.0006_username_ci_unique": {
        "ADD_UNIQUE": "the unique index is built CONCURRENTLY in a non-atomic migration (writes "
        "never wait) after a check that refuses, naming them, usernames differing only in "
        "case; the AddConstraint is state-only",
    },
}

# --- Auth ------------------------------------------------------------------------------------

AUTH_USER_MODEL = "auth_app.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18N, static ----------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# Set STATIC_ROOT and run `collectstatic` in production; without it, WhiteNoise finds the files
# in the apps (drf-spectacular-sidecar, admin), which is enough for local use.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- REST framework --------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1", "v2"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "auth_app.tokens.RevocableJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "socrates.api.schema.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "socrates.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "socrates.api.errors.exception_handler",
    # Counted in CACHES["default"], which every worker shares (see "Cache" below). Per client
    # address for the anonymous auth endpoints; per user for the expensive ones.
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("AUTH_THROTTLE_RATE", "30/minute"),
        "llm": os.environ.get("LLM_THROTTLE_RATE", "60/minute"),
        "upload": os.environ.get("UPLOAD_THROTTLE_RATE", "30/minute"),
        "search": os.environ.get("SEARCH_THROTTLE_RATE", "120/minute"),
        "generation": os.environ.get("GENERATION_THROTTLE_RATE", "10/hour"),
    },
    # Proxies in front of the app that append to X-Forwarded-For; 0 = trust only REMOTE_ADDR,
    # so a client cannot dodge the throttles by sending its own X-Forwarded-For.
    "NUM_PROXIES": int(os.environ.get("API_NUM_PROXIES", "0")),
}

# Access tokens are short-lived (5 minutes) and the one used to log out is revoked at once
# (auth_app.tokens); refresh tokens rotate, and the old one and the logged-out one are
# blacklisted.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_number("ACCESS_TOKEN_MINUTES", 5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_number("REFRESH_TOKEN_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

# --- Cache: throttle counters, login failures, revoked access tokens --------------------------
# Shared by every worker and machine: a table in socrates_auth by default (created by migrate),
# Redis when CACHE_URL is set (redis:// or rediss://).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("CACHE_URL must start with redis:// or rediss://")
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "socrates_cache",
        }
    }

# --- Login lockout (django-axes): per account, across workers --------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one username (case-insensitive, any address),
# that account's logins are refused (429, Retry-After) until AXES_COOLOFF_TIME passes or an
# admin lifts it (admin "Access attempts", or `manage.py axes_reset_username NAME`). Attempts
# are rows in socrates_auth, so every worker sees them.
AXES_FAILURE_LIMIT = int(env_number("LOGIN_FAILURE_LIMIT", 10))
AXES_COOLOFF_TIME = timedelta(minutes=env_number("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "auth_app.lockout.username_of"
AXES_LOCKOUT_CALLABLE = "auth_app.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False
# axes.W006 asks to lock by address too. Deliberately not: behind a proxy or a shared NAT one
# address is many people, and ten wrong passwords would lock them all out. Guessing across
# accounts from one address is the `auth` throttle's job (per address, in the shared cache).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- HTTPS and browser security ---------------------------------------------------------------
# One switch for a deployment behind HTTPS: HSTS, redirect to HTTPS and cookies only over it.
SOCRATES_HTTPS = env_bool("SOCRATES_HTTPS", False)
if SOCRATES_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(env_number("HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Submit the domain to the browsers' preload list only once HTTPS is there for good.
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # A TLS-terminating proxy in front says so with X-Forwarded-Proto (set SECURE_PROXY=0 when
    # gunicorn itself terminates TLS).
    if env_bool("SECURE_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy on every HTML page (admin, Swagger UI): only this origin's scripts;
# inline styles are allowed because both UIs set style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SPECTACULAR_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "socrates.api.schema.describe_version",
    ],
    "TITLE": "Socrates API",
    "DESCRIPTION": "Socratic specification sessions, conflicts, quality and code generation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components: required request fields and read-only
    # response fields are then explicit, which the v1 compatibility check relies on.
    "COMPONENT_SPLIT_REQUEST": True,
    # Tags and operation ids start after /api/vN/ (projects_list, not v1_projects_list).
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "PATH_CONVERTER_OVERRIDES": {"anyid": {"type": "string", "format": "uuid"}},
    # Stable names for enums that share a field name across models.
    "ENUM_NAME_OVERRIDES": {
        "ProjectPhaseEnum": "specs_app.models.ProjectPhase",
        "ProjectStatusEnum": "specs_app.models.ProjectStatus",
        "SessionModeEnum": "specs_app.models.SessionMode",
        "SessionStatusEnum": "specs_app.models.SessionStatus",
        "SpecificationSourceEnum": "specs_app.models.SpecificationSource",
        "ConversationRoleEnum": "specs_app.models.ConversationRole",
        "ConflictTypeEnum": "specs_app.models.ConflictType",
        "ConflictSeverityEnum": "specs_app.models.ConflictSeverity",
        "ConflictStatusEnum": "specs_app.models.ConflictStatus",
        "ConflictActionEnum": "specs_app.services.conflicts.ACTION_CHOICES",
        "TestTypeEnum": "specs_app.models.TestType",
        "TestStatusEnum": "specs_app.models.TestStatus",
        "GenerationStatusEnum": "specs_app.models.GenerationStatus",
        "LlmProviderEnum": "auth_app.models.LlmProvider",
        "TeamRoleEnum": "teams_app.models.TeamRole",
        "InvitableRoleEnum": "teams_app.api.teams_serializers.INVITABLE_ROLES",
        "InvitationStatusEnum": "teams_app.models.InvitationStatus",
        "SharePermissionEnum": "teams_app.models.SharePermission",
    },
}

# --- Embeddings ------------------------------------------------------------------------------

# A path or a sentence-transformers model name; empty means the offline all-MiniLM-L6-v2 copy.
EMBEDDING_MODEL = os.environ.get("EMBEDDING_MODEL", "")
# The class that embeds (knowledge_app.embeddings.BaseEmbedder); tests of batching mechanics
# swap in knowledge_app.testing.FakeDeterministicEmbedder for subprocesses.
EMBEDDING_BACKEND = os.environ.get(
    "EMBEDDING_BACKEND", "knowledge_app.embeddings.SentenceTransformerEmbedder"
)
# bfloat16 inference on CPU: "auto" (only where the CPU has native bf16), "1" or "0".
EMBEDDING_CPU_BF16 = os.environ.get("EMBEDDING_CPU_BF16", "auto")
# Where the model runs on CPU: "auto" (OpenVINO when it reproduces torch's vectors, else torch),
# "openvino" or "torch". See knowledge_app/openvino_runtime.py.
EMBEDDING_RUNTIME = os.environ.get("EMBEDDING_RUNTIME", "auto")
# Passages (knowledge_passages): word pieces per passage and the overlap between neighbours.
# 48/12 by measurement (bench/passage_size.py): a two-sentence answer inside ~3,000 words of
# unrelated text ranks first 15 of 16 times at 48, 12/16 at 64, 8/16 at 96-128, 5/16 at the
# model's whole window (254), 0/16 for the old mean-of-windows document vector; 32 found 16/16
# but stores half again as many vectors (50 per 1,000 words against 34).
EMBEDDING_PASSAGE_TOKENS = env_number("EMBEDDING_PASSAGE_TOKENS", 48, int)
EMBEDDING_PASSAGE_OVERLAP = env_number("EMBEDDING_PASSAGE_OVERLAP", 12, int)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# --- API keys --------------------------------------------------------------------------------

# Comma-separated Fernet keys, newest first. With DEBUG on and none set, one is derived from
# SECRET_KEY (auth_app.crypto); with DEBUG off they are required (see "Secrets" above).
API_KEY_ENCRYPTION_KEYS = env_list("API_KEY_ENCRYPTION_KEYS", "")
if not DEBUG and not API_KEY_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "API_KEY_ENCRYPTION_KEYS must be set when DEBUG is off: users' LLM keys must not be "
        "encrypted with a key derived from SECRET_KEY (generate one with "
        "`python3 socrates/local_secrets.py encryption-key` for a local run)"
    )

# --- LLM providers (specs_app/llm; models and prices live in specs_app/llm/registry.py) -------


# Base URLs; empty means the provider's public endpoint. Ollama is used without a key only
# when OLLAMA_BASE_URL is set (e.g. http://localhost:11434/v1).
ANTHROPIC_BASE_URL = os.environ.get("ANTHROPIC_BASE_URL", "")
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "")
GEMINI_BASE_URL = os.environ.get("GEMINI_BASE_URL", "")
OLLAMA_BASE_URL = os.environ.get("OLLAMA_BASE_URL", "")
LLM_TIMEOUT_SECONDS = env_number("LLM_TIMEOUT_SECONDS", 60.0)
LLM_MAX_RETRIES = env_number("LLM_MAX_RETRIES", 2, int)
LLM_BACKOFF_SECONDS = env_number("LLM_BACKOFF_SECONDS", 0.5)
LLM_BACKOFF_MAX_SECONDS = env_number("LLM_BACKOFF_MAX_SECONDS", 8.0)
# Rephrasing runs inside the next-question request, so it gets a shorter budget.
LLM_REPHRASE_ENABLED = env_bool("LLM_REPHRASE_ENABLED", True)
LLM_REPHRASE_TIMEOUT_SECONDS = env_number("LLM_REPHRASE_TIMEOUT_SECONDS", 10.0)
LLM_REPHRASE_MAX_RETRIES = env_number("LLM_REPHRASE_MAX_RETRIES", 1, int)

# --- Code generation (specs_app/generation) --------------------------------------------------

GENERATION_MIN_MATURITY = env_number("GENERATION_MIN_MATURITY", 100.0)
# True runs a generation inside the POST request (tests); otherwise a job on the queue, deferred
# in the transaction that creates the generation.
GENERATION_RUN_INLINE = env_bool("GENERATION_RUN_INLINE", False)
# No generation stays pending or in progress longer than this: the queue's watchdog fails it,
# naming why (socrates/tasks.py).
GENERATION_MAX_SECONDS = env_number("GENERATION_MAX_SECONDS", 900.0)

# --- Background jobs (procrastinate, on socrates_specs) --------------------------------------

# Workers: `manage.py procrastinate worker` (make run starts one). Each worker writes a
# heartbeat every QUEUE_HEARTBEAT_SECONDS; a worker silent for QUEUE_STALLED_AFTER_SECONDS is
# dead (SIGKILL, OOM, a lost machine), and the recovery task, run every
# QUEUE_RECOVERY_EVERY_SECONDS by some worker, puts its jobs back to be run again.
QUEUE_HEARTBEAT_SECONDS = env_number("QUEUE_HEARTBEAT_SECONDS", 5.0)
QUEUE_STALLED_AFTER_SECONDS = env_number("QUEUE_STALLED_AFTER_SECONDS", 20.0)
QUEUE_RECOVERY_EVERY_SECONDS = env_number("QUEUE_RECOVERY_EVERY_SECONDS", 10, int)
# Attempts of a job that meets a transient error (a database restart, the model not loading),
# with an exponential wait between them; the last failure is written on the row worked on.
QUEUE_MAX_ATTEMPTS = env_number("QUEUE_MAX_ATTEMPTS", 5, int)
PROCRASTINATE_DATABASE_ALIAS = SPECS_DB
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": QUEUE_HEARTBEAT_SECONDS,
    "stalled_worker_timeout": QUEUE_STALLED_AFTER_SECONDS,
}
# A retried upload (same project, file name and content within this window) answers the stored
# document instead of storing it again.
DOCUMENT_DEDUP_SECONDS = env_number("DOCUMENT_DEDUP_SECONDS", 600, int)

# --- Logging ---------------------------------------------------------------------------------

# One line per record, printed once (Django's own "django" handler is dropped: records reach
# the root handler only), each with the request's id; LOG_FORMAT=json for one JSON object a line.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "socrates.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "socrates.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "socrates.deprecation": {"level": "WARNING"},
    },
}

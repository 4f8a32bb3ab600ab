"""The Python / Django project skeleton."""

from .blueprint import Blueprint
from .text import (
    OutFile,
    SpecRecord,
    comment_lines,
    doc_safe,
    make_file,
    one_line,
    snake,
    unique_names,
)

DJANGO_REQUIREMENT = "Django>=5.2,<6.0"
DRIVERS = {
    "postgresql": ["psycopg[binary]>=3.2"],
    "mysql": ["mysqlclient>=2.2"],
    "sqlite": [],
}
DATABASE_SETTINGS = {
    "postgresql": """DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "{package}"),
        "USER": os.environ.get("DB_USER", "postgres"),
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "HOST": os.environ.get("DB_HOST", "localhost"),
        "PORT": os.environ.get("DB_PORT", "5432"),
    }}
}}""",
    "mysql": """DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.mysql",
        "NAME": os.environ.get("DB_NAME", "{package}"),
        "USER": os.environ.get("DB_USER", "root"),
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "HOST": os.environ.get("DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DB_PORT", "3306"),
        "OPTIONS": {{"charset": "utf8mb4"}},
    }}
}}""",
    "sqlite": """DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DB_NAME", str(BASE_DIR / "db.sqlite3")),
    }}
}}""",
}
XFAIL = '@pytest.mark.xfail(raises=NotImplementedError, strict=True, reason="not implemented")'
ENGINES = {
    "postgresql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "sqlite": "django.db.backends.sqlite3",
}
ENV_EXAMPLES = {
    "postgresql": "DB_NAME={package}\nDB_USER=postgres\nDB_PASSWORD=postgres\n"
    "DB_HOST=localhost\nDB_PORT=5432\n",
    "mysql": "DB_NAME={package}\nDB_USER=root\nDB_PASSWORD=mysql\n"
    "DB_HOST=127.0.0.1\nDB_PORT=3306\n",
    "sqlite": "DB_NAME=db.sqlite3\n",
}


def _stack_ids(bp: Blueprint):
    return bp.plan.stack_spec_ids


def _db_ids(bp: Blueprint):
    return bp.plan.database_spec_ids


def _requirements(bp: Blueprint) -> OutFile:
    lines = [
        DJANGO_REQUIREMENT,
        *DRIVERS[bp.plan.database],
        "gunicorn>=23.0",
        "",
        "# tests",
        "pytest>=8.0",
        "pytest-cov>=5.0",
    ]
    return make_file("requirements.txt", "\n".join(lines), (*_stack_ids(bp), *_db_ids(bp)), "#")


def _pyproject(bp: Blueprint) -> OutFile:
    body = f"""[project]
name = "{bp.npm_name}"
version = "0.1.0"
description = {_toml_string(one_line(bp.description or bp.name, 200))}
requires-python = ">={bp.plan.python_version}"

[tool.pytest.ini_options]
pythonpath = ["."]
testpaths = ["tests"]
addopts = "-ra"

[tool.coverage.run]
source = ["{bp.python_package}"]
omit = ["{bp.python_package}/wsgi.py"]

[tool.ruff]
line-length = 100
"""
    return make_file(
        "pyproject.toml",
        body,
        (*_stack_ids(bp), *(s.id for s in bp.testing_specs if "coverage" in s.key)),
        "#",
    )


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _manage(bp: Blueprint) -> OutFile:
    body = f'''#!/usr/bin/env python
"""Django's command-line utility for {bp.python_package}."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{bp.python_package}.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
'''
    return make_file("manage.py", body, _stack_ids(bp), "#")


def _settings(bp: Blueprint) -> OutFile:
    package = bp.python_package
    database = DATABASE_SETTINGS[bp.plan.database].format(package=package)
    body = f'''"""Settings for {package}, read from environment variables with local defaults."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-key-change-me")
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "{package}.urls"
WSGI_APPLICATION = "{package}.wsgi.application"

TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {{
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        }},
    }},
]

{database}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
'''
    return make_file(f"{package}/settings.py", body, (*_stack_ids(bp), *_db_ids(bp)), "#")


def _package_files(bp: Blueprint) -> list[OutFile]:
    package = bp.python_package
    init = f'"""The {doc_safe(bp.name)} Django project."""\n'
    urls = f'''"""URL configuration of {package}."""

from django.contrib import admin
from django.http import JsonResponse
from django.urls import path


def health(request):
    return JsonResponse({{"status": "ok"}})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]
'''
    wsgi = f'''"""WSGI entry point of {package} (gunicorn {package}.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{package}.settings")

application = get_wsgi_application()
'''
    ids = _stack_ids(bp)
    return [
        make_file(f"{package}/__init__.py", init, ids, "#"),
        make_file(f"{package}/urls.py", urls, ids, "#"),
        make_file(f"{package}/wsgi.py", wsgi, ids, "#"),
    ]


def _function_names(specs: tuple[SpecRecord, ...]) -> list[str]:
    return unique_names(snake(spec.key, fallback="requirement") for spec in specs)


def module_names(bp: Blueprint) -> list[str]:
    """Return one unique module name per feature category."""
    return unique_names(
        (snake(category, fallback="category") for category, _ in bp.feature_groups),
        taken=("settings", "__init__"),
    )


def _feature_module(
    bp: Blueprint, category: str, module: str, specs: tuple[SpecRecord, ...]
) -> OutFile:
    parts = [
        f'"""Stubs of {module}: one per specification; replace each with the real behaviour."""\n'
        f"\n{comment_lines(f'Category: {one_line(category)}', '#')}\n"
    ]
    for spec, name in zip(specs, _function_names(specs), strict=True):
        parts.append(
            f"\n\n{comment_lines(f'Requirement {spec.id} ({spec.full_key}):', '#')}\n"
            f"{comment_lines(spec.text, '#')}\n"
            f"def {name}():\n"
            f"    raise NotImplementedError({f'{spec.full_key} (specification {spec.id})'!r})\n"
        )
    return make_file(
        f"{bp.python_package}/features/{module}.py", "".join(parts), [s.id for s in specs], "#"
    )


def _feature_tests(
    bp: Blueprint, category: str, module: str, specs: tuple[SpecRecord, ...]
) -> OutFile:
    parts = [
        f'"""Tests of {module}: one per requirement, expected to fail until the stub it calls\n'
        'is implemented (then strict xfail turns it red: write the real test)."""\n'
        f"\n{comment_lines(f'Category: {one_line(category)}', '#')}\n"
        "\nimport pytest\n\n"
        f"from {bp.python_package}.features import {module}\n"
    ]
    for spec, name in zip(specs, _function_names(specs), strict=True):
        parts.append(
            f"\n\n{comment_lines(f'Requirement {spec.id} ({spec.full_key}):', '#')}\n"
            f"{comment_lines(spec.text, '#')}\n"
            f"{XFAIL}\n"
            f"def test_{name}():\n"
            f"    {module}.{name}()\n"
        )
    return make_file(f"tests/test_{module}.py", "".join(parts), [s.id for s in specs], "#")


def _settings_test(bp: Blueprint) -> OutFile:
    package = bp.python_package
    body = f'''"""The project boots with the chosen database engine and answers its health check."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{package}.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402


def test_database_engine_is_{bp.plan.database}():
    assert settings.DATABASES["default"]["ENGINE"] == "{ENGINES[bp.plan.database]}"


def test_health_check_answers_ok():
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json() == {{"status": "ok"}}
'''
    return make_file("tests/test_settings.py", body, (*_stack_ids(bp), *_db_ids(bp)), "#")


def _ci(bp: Blueprint) -> OutFile:
    package = bp.python_package
    services, env = "", ""
    if bp.plan.database == "postgresql":
        services = f"""    services:
      postgres:
        image: postgres:{bp.plan.database_version}
        env:
          POSTGRES_PASSWORD: postgres
          POSTGRES_DB: {package}
        ports: ["5432:5432"]
        options: >-
          --health-cmd pg_isready --health-interval 5s --health-timeout 5s --health-retries 10
"""
        env = f"""    env:
      DB_NAME: {package}
      DB_USER: postgres
      DB_PASSWORD: postgres
      DB_HOST: localhost
      DB_PORT: "5432"
"""
    elif bp.plan.database == "mysql":
        services = f"""    services:
      mysql:
        image: mysql:{bp.plan.database_version}
        env:
          MYSQL_ROOT_PASSWORD: mysql
          MYSQL_DATABASE: {package}
        ports: ["3306:3306"]
        options: >-
          --health-cmd "mysqladmin ping -h 127.0.0.1" --health-interval 5s --health-retries 20
"""
        env = f"""    env:
      DB_NAME: {package}
      DB_USER: root
      DB_PASSWORD: mysql
      DB_HOST: 127.0.0.1
      DB_PORT: "3306"
"""
    coverage = f" --cov-fail-under={bp.min_coverage}" if bp.min_coverage else ""
    notes = "".join(
        f"{comment_lines(f'{s.full_key}: {one_line(s.text)}', '#')}\n" for s in bp.testing_specs
    )
    body = f"""{notes}name: CI

on:
  push:
  pull_request:

jobs:
  test:
    runs-on: ubuntu-latest
{services}{env}    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "{bp.plan.python_version}"
      - run: pip install -r requirements.txt
      - run: python manage.py check
      - run: python manage.py migrate --noinput
      - run: pytest --cov={package} --cov-report=term-missing{coverage}
"""
    return make_file(
        ".github/workflows/ci.yml",
        body,
        (*(s.id for s in bp.testing_specs), *_stack_ids(bp), *_db_ids(bp)),
        "#",
    )


def _dockerfile(bp: Blueprint) -> OutFile:
    system = ""
    if bp.plan.database == "mysql":
        system = (
            "RUN apt-get update && apt-get install -y --no-install-recommends \\\n"
            "    build-essential default-libmysqlclient-dev pkg-config \\\n"
            "    && rm -rf /var/lib/apt/lists/*\n"
        )
    body = f"""FROM python:{bp.plan.python_version}-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
{system}COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["gunicorn", "{bp.python_package}.wsgi:application", "--bind", "0.0.0.0:8000"]
"""
    return make_file("Dockerfile", body, (*_stack_ids(bp), *_db_ids(bp)), "#")


def _misc(bp: Blueprint) -> list[OutFile]:
    gitignore = "__pycache__/\n*.py[cod]\n.venv/\n.env\n.coverage\nhtmlcov/\nstaticfiles/\n"
    if bp.plan.database == "sqlite":
        gitignore += "db.sqlite3\n"
    env = "SECRET_KEY=change-me\nDEBUG=1\nALLOWED_HOSTS=localhost,127.0.0.1\n" + ENV_EXAMPLES[
        bp.plan.database
    ].format(package=bp.python_package)
    return [
        make_file(".gitignore", gitignore, _stack_ids(bp), "#"),
        make_file(".env.example", env, _db_ids(bp), "#"),
    ]


def files(bp: Blueprint) -> list[OutFile]:
    """Return every stack-specific file of the Python / Django skeleton."""
    out = [
        _requirements(bp),
        _pyproject(bp),
        _manage(bp),
        _settings(bp),
        *_package_files(bp),
        _settings_test(bp),
        _ci(bp),
        _dockerfile(bp),
        *_misc(bp),
    ]
    for (category, specs), module in zip(bp.feature_groups, module_names(bp), strict=True):
        out.append(_feature_module(bp, category, module, specs))
        out.append(_feature_tests(bp, category, module, specs))
    return out


def getting_started(bp: Blueprint) -> str:
    return f"""```sh
python -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt
cp .env.example .env   # then export its variables, or set them in your environment
python manage.py migrate
python manage.py runserver
pytest
```

Each requirement has a stub in `{bp.python_package}/features/` and a test in `tests/` that
is expected to fail until the stub is implemented."""

# The README's commands. Everything a fresh clone needs is installed here.
PYTHON ?= python3
# bash: `make run` waits on its two children with `wait -n`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
# Local secrets (socrates/local_secrets.py: created once under SOCRATES_DATA_DIR, mode 600) when
# the environment sets none; settings refuses to start without them when DEBUG is off.
ifndef SECRET_KEY
SECRET_KEY := $(shell $(PYTHON) socrates/local_secrets.py secret-key)
endif
ifndef API_KEY_ENCRYPTION_KEYS
API_KEY_ENCRYPTION_KEYS := $(shell $(PYTHON) socrates/local_secrets.py encryption-key)
endif
export SECRET_KEY API_KEY_ENCRYPTION_KEYS

.PHONY: install run test lint format check-migrations check-compat pytest fast bench db stop-db migrate clean-data openapi

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first: the pinned version resolves to a local CPU wheel (no CUDA downloads).
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

db: install
	$(PY) manage.py embedded_db start

stop-db: install
	$(PY) manage.py embedded_db stop

migrate: db
	$(PY) manage.py migrate

PORT ?= 8000

# The server and one queue worker together; Ctrl-C (or any signal) stops both.
run: migrate
	$(PY) manage.py ensure_local_admin --url http://127.0.0.1:$(PORT)
	trap 'kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	$(PY) manage.py worker & \
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT) & \
	wait -n

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# The declared layers and no import cycles (pyproject.toml [tool.importlinter]).
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-migrations: install
	$(PY) manage.py check_migrations

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

# The inner loop: everything but the real model, subprocesses and whole-schema round trips.
fast: install
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

# The tests of the code released before the newest migrations, on the schema they build.
check-compat: install db
	$(PY) scripts/check_compat.py

test: lint check-migrations check-compat pytest

# Rewrite openapi/v2.yaml from the code; openapi/v1.yaml only if the change breaks no v1 client.
openapi: install
	$(PY) manage.py openapi

bench: install
	$(PY) bench/migrations.py
	$(PY) bench/api.py
	$(PY) bench/bruteforce.py
	$(PY) bench/uploads.py
	$(PY) bench/migrate_under_load.py
	$(PY) bench/embeddings.py
	$(PY) bench/search.py --sizes 10000,100000

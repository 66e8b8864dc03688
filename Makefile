# County EMIS (县域教育管理信息系统): developer entry points.
#
#   make demo     set up, migrate, load the demo counties (通山县, 崇阳县), serve http://127.0.0.1:8000
#   make test     set up, then run the whole test suite (SQLite; PostgreSQL when DATABASE_URL is set)
#
# Every target installs what it needs first and is safe to run again: the Python packages are
# reinstalled only when pyproject.toml changes, the npm packages only when package-lock.json changes.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
EMIS := $(BIN)/emis
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_COUNTY ?= all
# Two workers on the 2-core machines we run on; `make test PYTEST_ARGS="-n 0 -k school"` for one test.
PYTEST_ARGS ?= -n auto

# manage.py and `emis` default to the production settings; these targets ask for a developer profile:
# local (DEBUG on) for serve, worker, migrate and check, demo (DEBUG off, plain http on this machine) for the demo.
LOCAL := DJANGO_SETTINGS_MODULE=config.settings.local
DEMO := DJANGO_SETTINGS_MODULE=config.settings.demo

PY_STAMP := $(VENV)/.emis-installed
NPM_STAMP := node_modules/.emis-installed
ASSETS_STAMP := static/vendor/.emis-copied

.PHONY: help setup demo serve worker migrate lint format test test-browser check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

#
# Installation (idempotent, driven by stamp files)
#

$(PY):
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml | $(PY)
	@# The rq, s3 and server (gunicorn, bench/cluster) extras too: the tests run an import through a Redis worker (tests/test_import_tasks.py) and
	@# the uploads storage against an S3 server (tests/test_files_storage.py).
	$(PY) -m pip install --disable-pip-version-check --quiet -e '.[dev,rq,s3,server]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(ASSETS_STAMP): $(NPM_STAMP) scripts/copy_assets.sh
	bash scripts/copy_assets.sh
	@touch $@

setup: $(PY_STAMP) $(ASSETS_STAMP) ## create .venv, install Python and front-end packages (only what changed)

#
# Running the system
#

migrate: setup ## apply migrations (SQLite under var/ unless DATABASE_URL is set)
	$(LOCAL) $(EMIS) migrate --noinput

demo: migrate ## set up, migrate, load the demo county (prints the logins) and serve it
	$(DEMO) $(EMIS) load_demo $(DEMO_COUNTY)
	@echo
	@echo "County EMIS demo: http://$(HOST):$(PORT)/  (stop with Ctrl+C; a task worker runs beside it for imports)"
	@# The worker runs imports and other background tasks; it stops with the server.
	$(DEMO) $(PY) manage.py db_worker --queue-name '*' >var/worker.log 2>&1 & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(DEMO) $(PY) manage.py runserver $(HOST):$(PORT)

serve: migrate ## serve the development site on http://127.0.0.1:8000
	EMIS_DEBUG=1 $(LOCAL) $(PY) manage.py runserver $(HOST):$(PORT)

worker: migrate ## run a background task worker (django-tasks database backend)
	EMIS_LOG_LEVEL=$${EMIS_LOG_LEVEL:-INFO} $(LOCAL) $(PY) manage.py db_worker --queue-name '*'

#
# Quality
#

lint: setup ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup ## ruff format + import sorting
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

check: setup ## Django system checks and "no missing migrations"
	$(LOCAL) $(PY) manage.py check
	$(LOCAL) $(PY) manage.py makemigrations --check --dry-run

# Static assets are part of the setup because page and browser tests render templates using them.
# Browser tests run when /usr/bin/chromium exists and are skipped (with the reason) otherwise.
# pytest's exit code 5 ("no tests collected") is a failure here, like every other non-zero code.
test: setup ## run the whole test suite with pytest (honours DATABASE_URL)
	@mkdir -p test-artifacts/screenshots
	@rc=0; $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	exit $$rc

test-browser: setup ## only the Playwright browser tests (screenshots in test-artifacts/screenshots/)
	@mkdir -p test-artifacts/screenshots
	$(BIN)/pytest -n 0 -m browser tests/browser

clean: ## remove copied assets, caches and test artifacts (keeps .venv, node_modules and the database)
	rm -rf static/vendor test-artifacts .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf

# AITRE Studio: `make run` sets up and starts everything; `make test` sets up and runs every check.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format venv messages compile-messages clean

$(STAMP): pyproject.toml
	@test -x $(PY) || "$$(bin/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## Sets up the virtual environment and database, creates the demo account, and starts the web server,
## the task worker and the poller together (Ctrl-C stops all of them).
run: $(STAMP) compile-messages
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py run_studio

## Installs what the tests need (Chromium included) and runs lint, type checks and the whole suite on
## SQLite + the ORM broker and on PostgreSQL + Redis, browser tests included.
test: $(STAMP)
	bin/test

lint: $(STAMP)
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## Extracts every translatable string into locale/zh_Hans (for translators) and compiles the catalogues.
## tests/test_translations.py repeats this extraction (same folders left out) to spot a stale catalogue.
messages: $(STAMP)
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*'
	$(MAKE) compile-messages

## Compiles every catalogue into the .mo files Django reads (they are not committed).
compile-messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore '.venv/*' --ignore 'var/*' -v 0

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache

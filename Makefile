# django-sequere developer commands. `make demo` and `make test` set everything up themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
DEMO_ADDR ?= 127.0.0.1:8000

.PHONY: venv test test-postgres test-noextras lint docs demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,docs]'
	touch $@

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

venv: $(VENV)/.installed-test

## Run the whole suite (starts its own redis-server unless REDIS_URL is set).
test: venv
	$(BIN)/ruff check .
	$(BIN)/python -m django makemigrations --check --dry-run --settings=tests.settings --pythonpath=.
	$(BIN)/pytest $(PYTEST_ARGS)

## The suite against the machine's PostgreSQL (DATABASE_URL) - used by .ci/run.
test-postgres: venv
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest $(PYTEST_ARGS)

## The core with no optional extra installed (no redis, no celery): what a database-only project gets.
test-noextras:
	$(PYTHON) -m venv .venv-noextras
	.venv-noextras/bin/pip install --quiet -e . pytest pytest-django
	.venv-noextras/bin/pytest -p no:cacheprovider tests/contract tests/core $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

docs: venv
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

## Build, migrate, seed and serve the example site on SQLite.
demo: $(VENV)/.installed-demo
	cd example && ../$(BIN)/python manage.py migrate --noinput
	cd example && ../$(BIN)/python manage.py seed_demo
	@echo "Serving the demo on http://$(DEMO_ADDR)/  (log in as demo / demo)"
	cd example && ../$(BIN)/python manage.py runserver $(DEMO_ADDR)

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,docs,bench]'
	touch $@

## Benchmarks beside django-activity-stream (PostgreSQL at BENCH_DATABASE_URL, own redis-server).
bench: venv $(VENV)/.installed-bench
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-noextras build dist *.egg-info docs/_build .pytest_cache

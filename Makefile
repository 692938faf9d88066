# django-sequere developer commands. `make demo` and `make test` set everything up themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
DEMO_ADDR ?= 127.0.0.1:8000
DEMO_HOST = $(firstword $(subst :, ,$(DEMO_ADDR)))
DEMO_PORT = $(lastword $(subst :, ,$(DEMO_ADDR)))
# The legs of .ci/run beyond `make test`, each in a virtualenv made anew (.ci/run passes pyenv's
# interpreters): the floors of pyproject.toml on the lowest Python it claims, PostgreSQL with the
# slow tests, the newest releases on the newest Python. tests/test_packaging.py reads these.
LOWEST_PYTHON ?= python3.10
POSTGRES_PYTHON ?= python3.12
POSTGRES_DJANGO ?= Django>=5.2,<5.3
NEWEST_PYTHON ?= python3.13
NEWEST_DJANGO ?= Django>=6.0,<6.1
LEG_PYTEST ?= -p no:cacheprovider -m "not browser"
LOWEST_INSTALL = -c build/lowest-constraints.txt -e '.[test,redis,hiredis,timeline,rest]'
POSTGRES_INSTALL = -e '.[test]' '$(POSTGRES_DJANGO)'
NEWEST_INSTALL = --upgrade -e '.[test,timeline]' '$(NEWEST_DJANGO)'
SHOW_VERSIONS = "import sys, django, redis, celery, kombu; print('Python', sys.version.split()[0], \
	'Django', django.__version__, 'redis-py', redis.__version__, 'Celery', celery.__version__, 'kombu', kombu.__version__)"

# $(call fresh_venv,NAME,PYTHON,PIP ARGUMENTS): .venv-NAME made anew on PYTHON, the arguments installed.
define fresh_venv
	rm -rf .venv-$(1)
	$(2) -m venv .venv-$(1)
	.venv-$(1)/bin/pip install --quiet $(3)
	.venv-$(1)/bin/python -c $(SHOW_VERSIONS)
endef

.PHONY: venv test test-postgres test-noextras test-lowest test-newest lint docs demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,docs]'
	touch $@

# the live extra: the REST API the pages' scripts use, and uvicorn to serve ASGI (the live feed)
$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[live]'
	touch $@

venv: $(VENV)/.installed-test

## Run the whole suite (starts its own redis-server unless REDIS_URL is set).
test: venv
	$(BIN)/ruff check .
	$(BIN)/python -m django makemigrations --check --dry-run --settings=tests.settings --pythonpath=.
	$(BIN)/pytest $(PYTEST_ARGS)

## The suite with the slow tests against PostgreSQL (DATABASE_URL) on POSTGRES_PYTHON - used by .ci/run.
test-postgres:
	$(call fresh_venv,postgres,$(POSTGRES_PYTHON),$(POSTGRES_INSTALL))
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} .venv-postgres/bin/pytest --run-slow $(PYTEST_ARGS)

## The core with no optional extra installed (no redis, no celery): what a database-only project gets.
test-noextras:
	$(PYTHON) -m venv .venv-noextras
	.venv-noextras/bin/pip install --quiet -e . pytest pytest-django pytest-asyncio
	.venv-noextras/bin/pytest -p no:cacheprovider tests/contract tests/core $(PYTEST_ARGS)

## The floors of pyproject.toml (pinned by .ci/lowest.py) on LOWEST_PYTHON; the slow tests are left out.
test-lowest:
	mkdir -p build
	$(PYTHON) .ci/lowest.py redis hiredis timeline rest -o build/lowest-constraints.txt
	$(call fresh_venv,lowest,$(LOWEST_PYTHON),$(LOWEST_INSTALL))
	.venv-lowest/bin/pytest $(LEG_PYTEST) $(PYTEST_ARGS)

## The newest releases on NEWEST_PYTHON, Django as NEWEST_DJANGO; the slow tests are left out.
test-newest:
	$(call fresh_venv,newest,$(NEWEST_PYTHON),$(NEWEST_INSTALL))
	.venv-newest/bin/pytest $(LEG_PYTEST) $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

docs: venv
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

## Build, migrate, seed and serve the example site on SQLite, under uvicorn (ASGI: the live feed streams).
demo: $(VENV)/.installed-demo
	cd example && ../$(BIN)/python manage.py migrate --noinput
	cd example && ../$(BIN)/python manage.py seed_demo
	@echo "Serving the demo on http://$(DEMO_ADDR)/  (log in as demo / demo)"
	cd example && ../$(BIN)/python -m uvicorn demo_site.asgi:application --host $(DEMO_HOST) --port $(DEMO_PORT) --lifespan off

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,docs,bench]'
	touch $@

## Benchmarks beside django-activity-stream (PostgreSQL at BENCH_DATABASE_URL, own redis-server).
bench: venv $(VENV)/.installed-bench
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-noextras .venv-lowest .venv-postgres .venv-newest build dist *.egg-info docs/_build .pytest_cache

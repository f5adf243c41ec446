# The two commands a newcomer needs are `make run` and `make test`; both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CSS := frontend/build/application.css
SCSS := $(shell find frontend/scss -name '*.scss' 2>/dev/null)
HOST ?= 127.0.0.1
PORT ?= 8000
# `make test` runs the suite in one process per core (pytest-xdist); TEST_PROCESSES=0 runs it in one.
# TEST_ARGS goes to pytest as it is, e.g. TEST_ARGS='-m "not browser"' or TEST_ARGS=tests/test_scale.py.
TEST_PROCESSES ?= auto
TEST_ARGS ?=
# Local development only: `make run` is never a production server.
DEV := DEBUG=true

.PHONY: install run test lint format migrate seed lock clean bench bench-against bench-pack demo-code reminders

install: $(PY_STAMP) $(CSS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(CSS): $(NODE_STAMP) $(SCSS)
	npm run --silent build

migrate: install
	$(DEV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEV) $(BIN)/python manage.py seed_demo

run: seed
	@echo "Serving on http://$(HOST):$(PORT)/ (stop with Ctrl+C)"
	$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The current second-factor code of the demo accounts (demo data only).
demo-code: install
	@$(DEV) $(BIN)/python manage.py demo_code

# The daily reminders, by hand (make run starts no scheduler); DATE=YYYY-MM-DD runs them as of that day.
reminders: migrate
	$(DEV) $(BIN)/python manage.py send_reminders $(if $(DATE),--date $(DATE),)

test: install
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadgroup $(TEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks measure speed and memory; tests never depend on this machine's speed.
# `make bench`: pages, mixed load, reminders and packs at 10k and 100k cases on scratch databases
# (PostgreSQL on 127.0.0.1 as postgres, else SQLite), against a minimal page; see docs/performance.md.
# BENCH_SIZES="--size 10k" for the quick one; --size 1m for the largest.
BENCH_SIZES ?= --size 10k --size 100k
bench: install
	$(BIN)/python manage.py bench $(BENCH_SIZES)

# `make bench-against COMMIT=<commit>`: every page under that commit's code and this checkout's, in
# turn, on one 100k database: the way to tell whether a change made pages quicker.
bench-against: install
	@test -n "$(COMMIT)" || { echo "make bench-against COMMIT=<commit>"; exit 2; }
	$(BIN)/python manage.py bench --against "$(COMMIT)" $(if $(BENCH_SIZE),--size $(BENCH_SIZE))

bench-pack: install
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	export DEBUG=true VAR_DIR="$$scratch" DATABASE_URL="sqlite:///$$scratch/bench.sqlite3" \
	  EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend LOG_LEVEL=ERROR && \
	$(BIN)/python manage.py migrate --noinput -v0 && $(BIN)/python manage.py bench_pack

# Regenerate the pinned lock files from pyproject.toml's ranges.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	$(PYTHON) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > .lock-venv/runtime.in
	$(PYTHON) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["dependency-groups"]["dev"]))' > .lock-venv/dev.in
	.lock-venv/bin/pip install --quiet -r .lock-venv/runtime.in
	{ echo "# Runtime dependencies, fully pinned. Regenerate with: make lock"; .lock-venv/bin/pip freeze; } > requirements.lock
	.lock-venv/bin/pip install --quiet -r .lock-venv/dev.in
	{ echo "# Runtime + development dependencies, fully pinned. Regenerate with: make lock"; echo "-r requirements.lock"; \
	  comm -13 <(grep -v '^#' requirements.lock | sort) <(.lock-venv/bin/pip freeze | sort); } > requirements-dev.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules frontend/build var/static

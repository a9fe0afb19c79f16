# The two set-up commands in the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# PostgreSQL for the second half of `make test` (trust auth on this machine).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint install install-dev clean

# A new venv gets the pinned installer first (requirements-bootstrap.lock), whatever pip it shipped with.
$(VENV)/.bootstrapped: requirements-bootstrap.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-bootstrap.lock
	touch $@

# Everything comes from the hashed lock files, then the project itself without dependencies.
# requirements-embeddings.lock (optional sentence embeddings) is installed --no-deps: see its header.
$(VENV)/.installed-run: requirements.lock requirements-embeddings.lock pyproject.toml $(VENV)/.bootstrapped
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-embeddings.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock requirements-embeddings.lock pyproject.toml $(VENV)/.bootstrapped
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-embeddings.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

## Run the app on SQLite with the demo loaded, at http://127.0.0.1:8000
run: install
	$(BIN)/engage db upgrade
	$(BIN)/engage demo
	@echo "Serving on http://127.0.0.1:8000  (staff sign in: /staff/login)"
	$(BIN)/engage serve --host 127.0.0.1 --port 8000

## The whole test suite, on SQLite and then on PostgreSQL; fails if either fails
test: install-dev
	scripts/ensure-chromium
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install-dev
	@echo "=== Test suite on SQLite ==="
	$(BIN)/python -m pytest

test-postgres: install-dev
	@echo "=== Test suite on PostgreSQL ($(PG_TEST_URL)) ==="
	ENGAGE_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check engage nlp tests bench migrations
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info

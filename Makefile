# Vigía. `make run`: the service with the demo data on http://$(HOST):$(PORT); `make test`: every test.
SHELL := /bin/sh
.DEFAULT_GOAL := run

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
ADMIN_EMAIL ?= admin@vigia.local
VENV := .venv
BIN := $(VENV)/bin
VIGIA := $(BIN)/vigia
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint env frontend frontend-deps clean

run: env frontend
	$(VIGIA) db upgrade
	$(VIGIA) demo load
	$(VIGIA) bootstrap-admin --email $(ADMIN_EMAIL)
	exec $(VIGIA) serve --host $(HOST) --port $(PORT)

test: env frontend-deps
	$(BIN)/pytest
	@if [ -f frontend/package.json ]; then cd frontend && npm test --if-present; fi

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

env: $(VENV)/.installed

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "error: Vigía needs Python 3.11 or newer as '$(PYTHON)' (try: make PYTHON=python3.12)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstalled only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

# The dashboard, once frontend/package.json exists: dependencies when the lock file changes, then a build.
frontend-deps:
	@if [ ! -f frontend/package.json ]; then exit 0; fi; \
	  node -e 'process.exit(+process.versions.node.split(".")[0] < 20)' 2>/dev/null || \
	    { echo "error: the dashboard needs Node.js 20 or newer (node and npm on PATH)" >&2; exit 1; }; \
	  if [ ! frontend/node_modules/.package-lock.json -nt frontend/package-lock.json ]; then \
	    echo "cd frontend && npm ci"; cd frontend && npm ci; fi

frontend: frontend-deps
	@if [ -f frontend/package.json ]; then echo "cd frontend && npm run build"; cd frontend && npm run build; \
	  else echo "note: no frontend/package.json yet: serving the API only"; fi

# Keeps .vigia/ (the embedded database: real records); remove it by hand if you mean to.
clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache .pytest_cache frontend/dist frontend/node_modules
	find api migrations tests -name __pycache__ -type d -prune -exec rm -rf {} +

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

.PHONY: run test lint env frontend frontend-deps frontend-types frontend-test clean

run: env frontend
	$(VIGIA) db upgrade
	$(VIGIA) demo load
	$(VIGIA) bootstrap-admin --email $(ADMIN_EMAIL)
	exec $(VIGIA) serve --host $(HOST) --port $(PORT)

test: env frontend-deps
	$(BIN)/pytest
	@$(MAKE) --no-print-directory frontend-test

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
	  node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null || \
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

# The dashboard's API types (frontend/src/api/schema.d.ts), regenerated with openapi-typescript from the
# service's OpenAPI document (made offline by the project's Python). A Vitest test fails while they are stale.
frontend-types: env frontend-deps
	cd frontend && node scripts/gen-types.mjs

# The dashboard's tests: Vitest (formatting, i18n completeness, types up to date), then Playwright end to end
# against the real service (an embedded database in a temporary folder, the demo data) in Debian's Chromium.
# Without /usr/bin/chromium this fails and says how to install it: it never skips.
frontend-test: env frontend
	@if [ ! -f frontend/package.json ]; then exit 0; fi; \
	  cd frontend && npm test && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm run test:e2e

# The benchmark (docs/performance.md): wrk from Debian's packages, then `vigia serve` beside a bare baseline,
# demo and large scale, the import and the deadline checks. 10 to 20 minutes; results in bench/results/.
.PHONY: bench
bench: env
	@command -v wrk >/dev/null 2>&1 || { echo "apt-get install -y wrk"; apt-get install -y wrk >/dev/null 2>&1 || \
	  { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
	$(BIN)/python -m bench
	$(BIN)/python -m bench.deadlines --runs 1 --output bench/results/deadlines.json

# Contract fuzzing, longer than in `make test`: more examples per operation and longer stateful
# sequences, every phase for staff and for a partner. Another seed: `make fuzz FUZZ_SEED=7`.
FUZZ_EXAMPLES ?= 30
FUZZ_STEPS ?= 40
FUZZ_SEED ?= 20240701
.PHONY: fuzz soak
fuzz: env
	VIGIA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) VIGIA_FUZZ_STEPS=$(FUZZ_STEPS) VIGIA_FUZZ_SEED=$(FUZZ_SEED) \
	  VIGIA_FUZZ_FULL=1 $(BIN)/pytest tests/test_contract_fuzz.py -s

# A bounded soak (not in `make test`): SOAK_DURATION seconds of mixed reads and writes by
# SOAK_CONCURRENCY clients against `vigia serve` on loopback; fails on any 5xx or on growth of memory
# or connections, and writes its figures to docs/reliability.md.
SOAK_DURATION ?= 180
SOAK_CONCURRENCY ?= 12
soak: env
	$(BIN)/python scripts/soak.py --duration $(SOAK_DURATION) --concurrency $(SOAK_CONCURRENCY)

# Developer entry points. Everything runs from the project's own .venv, created on demand
# with the first `python3` on PATH (Python 3.11 or newer).

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
AUDIT := tests/audit
#: written when the dev install is done; redone when the project's dependencies change
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: dev install install-dev test lint typecheck bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

## install: the gateway into .venv
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

## dev: sandbox providers, in-process bus, no auth, GraphiQL on http://$(HOST):$(PORT)/graphql
## (make dev PORT=9000 HOST=0.0.0.0)
dev: install
	$(BIN)/gateway dev --host $(HOST) --port $(PORT)

## install-dev: the gateway, its dev tools, and the GraphQL-over-HTTP audit's node packages
install-dev: $(DEV_STAMP)

$(DEV_STAMP): $(BIN)/python pyproject.toml $(AUDIT)/package-lock.json
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(AUDIT) --no-audit --no-fund; \
	else \
		echo "npm not found: the graphql-http audit test will be skipped"; \
	fi
	touch $(DEV_STAMP)

## test: the whole suite, the graphql-http audit included
test: install-dev
	$(BIN)/pytest -ra

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy gateway providers tests bench

## bench: performance ratios against baselines measured in the same run
bench: install-dev
	$(BIN)/python -m bench.run

# The two commands a new machine needs: `make run` and `make test` (only python3 and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Production serving: one process per worker; uvloop and httptools; no access log.
WEB_CONCURRENCY ?= 1
SERVE_FLAGS := --loop uvloop --http httptools --no-access-log --no-server-header $(if $(FORWARDED_ALLOW_IPS),--forwarded-allow-ips '$(FORWARDED_ALLOW_IPS)',--no-proxy-headers)

.PHONY: run test lint migrate clean browser bench node openapi

# Reinstall whenever the declared dependencies change.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $@

migrate: $(BIN)/.installed
	$(BIN)/alembic upgrade head

run: migrate
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --workers $(WEB_CONCURRENCY) $(SERVE_FLAGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app migrations tests bench

# The docs tests draw /docs in headless Chromium: install Debian's when we can (as root).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| echo "chromium is not installed: the browser tests will be skipped (apt-get install chromium)"

# The contract checks use the tools clients use (OpenAPI linters, a TypeScript client, the
# schema.org types), pinned in tests/node/package-lock.json and run with the machine's Node.
NODE_DIR := tests/node
node:
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		[ $(NODE_DIR)/node_modules/.package-lock.json -nt $(NODE_DIR)/package-lock.json ] \
		|| (cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error); \
	elif [ -n "$$CI" ]; then \
		echo "node and npm are needed for the contract checks (apt-get install nodejs npm)" >&2; exit 1; \
	else \
		echo "node or npm is not installed: the OpenAPI lint, TypeScript client and JSON-LD checks will be skipped (apt-get install nodejs npm)"; \
	fi

test: lint browser node
	$(BIN)/pytest

# Write the served OpenAPI document to docs/openapi.json, the contract the tests hold the
# API to; refused for a change that breaks clients unless the version is bumped.
openapi: $(BIN)/.installed
	$(BIN)/python -m app.contract

# By hand, not part of `make test`: needs wrk (apt-get install wrk) and taskset; takes minutes.
bench: $(BIN)/.installed
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache $(NODE_DIR)/node_modules

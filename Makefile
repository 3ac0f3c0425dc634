# imap: the two commands of the README are `make demo` and `make test`.
# Everything installs into .venv from pyproject.toml, pinned by constraints.txt.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install demo test lint bench browser ui clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "imap needs Python 3.11, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# The main job, offline, on synthetic data: prints where the report is.
demo: $(STAMP)
	$(BIN)/imap demo

# Lint, then the whole test suite (browser tests need Debian's chromium, installed by `browser`).
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(PYTEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Speed and memory numbers (not part of the tests).
bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Debian's chromium for the report's browser tests; needs root or sudo the first time.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

ui: $(STAMP)
	$(BIN)/imap ui

clean:
	rm -rf $(VENV) build .cache .dagster_home .pytest_cache .ruff_cache

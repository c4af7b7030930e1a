# One command per job. `make example` installs wfq (only what it needs to run) and runs the
# shipped workflow embedded (SQLite + in-process worker); `make test` installs everything
# (the `test` extra) and runs the whole test suite.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PIP = $(BIN)/python -m pip install -q

.PHONY: install install-run example test lint bench services clean

install: $(VENV)/.installed
install-run: $(VENV)/.installed-run

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

# wfq and its runtime dependencies: enough for `wfq run`, `wfq server`, worker and beat.
$(VENV)/.installed-run: setup.py pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

# Everything the tests, the linters and the benchmarks use.
$(VENV)/.installed: setup.py pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test]'
	touch $@ $(VENV)/.installed-run

example: install-run
	$(BIN)/wfq run examples/nightly_backup.yaml

services:
	scripts/services.sh

# The Python trees ruff checks and keeps formatted.
PY_TREES = wfq workers beat listener tests benchmarks scripts

# ruff (style, complexity <= 10, no import inside a function: ruff.toml), the import contracts
# (layers, who may import SQLAlchemy and the broker clients: .importlinter), and no import
# circle inside a package (scripts/check_cycles.py), and one composition root
# (scripts/check_composition_root.py: only wfq/composition.py builds Services).
lint: install
	$(BIN)/ruff check $(PY_TREES)
	$(BIN)/ruff format --check $(PY_TREES)
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python scripts/check_cycles.py
	$(BIN)/python scripts/check_composition_root.py

test: install services lint
	scripts/install-browser.sh
	$(BIN)/python -m pytest

bench: install services
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) *.egg-info wfq.sqlite*
